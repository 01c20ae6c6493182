import ArgumentParser
import StrataKit

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show the audit log of runs (strata_events), newest first.")

    @Option(help: "How many events to show.")
    var limit: Int = 50

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await CommandContext.run(global) { ctx in
            let events = try await ctx.migrator().events(limit: limit)
            let out = ctx.output
            if out.json { out.emitJSON(["events": events]); return }
            if events.isEmpty { out.line("No events recorded yet."); return }
            var rows = [["FINISHED", "VERSION", "DIRECTION", "OUTCOME", "ENV", "BY", "NOTE"]]
            for e in events {
                let outcome = e.outcome == .ok ? out.paint("ok", .green) : out.paint(e.outcome.rawValue, .red)
                let note = (e.error ?? "").split(separator: "\n").first.map { String($0.prefix(70)) } ?? ""
                rows.append([Timestamps.format(e.finishedAt), e.version?.digits ?? "-", e.direction.rawValue, outcome,
                             e.environment ?? "-", "\(e.user)@\(e.host)", note])
            }
            out.table(rows)
        }
    }
}
