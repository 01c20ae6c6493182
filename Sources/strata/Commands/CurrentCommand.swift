import ArgumentParser
import StrataKit

struct CurrentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "current", abstract: "Print the database's current version (the latest applied migration).")

    @OptionGroup var global: GlobalOptions

    struct JSON: Encodable {
        var version: String?
        var name: String?
        var pending: Int
        var dirty: Bool
    }

    func run() async throws {
        try await CommandContext.run(global) { ctx in
            let migrations = try await ctx.loadMigrations(checkSum: false)
            let (applied, statuses) = try await ctx.migrator().status(migrations: migrations)
            let latest = applied.filter { $0.state == .applied && !$0.version.isRepeatable }.max { $0.version < $1.version }
            let pending = statuses.filter { $0.state == .pending }.count
            let dirty = statuses.contains { $0.state == .dirty }
            if ctx.output.json {
                ctx.output.emitJSON(JSON(version: latest?.version.digits, name: latest?.name, pending: pending, dirty: dirty))
            } else if let latest {
                ctx.output.line("\(latest.version.digits) \(latest.name)" + (pending > 0 ? " (\(pending) pending)" : "") + (dirty ? " (dirty)" : ""))
            } else {
                ctx.output.line("none" + (pending > 0 ? " (\(pending) pending)" : ""))
            }
        }
    }
}
