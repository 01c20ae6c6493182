import ArgumentParser
import StrataKit

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show the audit log of runs (strata_events), newest first.")

    @Option(help: "How many events to show.")
    var limit: Int = 50

    @Option(help: ArgumentHelp("Show one run: its events and, for a safe run, its report.", valueName: "run-id"))
    var run: String?

    @OptionGroup var global: GlobalOptions

    struct RunJSON: Encodable {
        var runID: String
        var events: [MigrationEvent]
        var report: String?
    }

    func run() async throws {
        let limit = self.limit, runID = self.run
        try await CommandContext.run(global) { ctx in
            var events = try await ctx.migrator().events(limit: runID == nil ? limit : 100_000)
            let out = ctx.output
            var reportPath: String?
            if let runID {
                events = events.filter { $0.runID == runID || $0.runID == runID + "-rehearsal" }
                reportPath = try? SafetyReports.find(runID: runID, in: ctx.safetySettings().reportDirectory)
                if events.isEmpty && reportPath == nil {
                    throw CommandFailure(.usage, "no run \(runID) in the history or the reports; `strata history` lists run ids with --json")
                }
            }
            if out.json {
                if let runID { out.emitJSON(RunJSON(runID: runID, events: events, report: reportPath)) } else { out.emitJSON(["events": events]) }
                return
            }
            if let path = reportPath, let text = try? String(contentsOfFile: path.replacingOccurrences(of: ".json", with: ".txt"), encoding: .utf8) {
                out.line(text)
            }
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
