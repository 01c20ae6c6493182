import ArgumentParser
import StrataKit

struct BaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Record every migration up to VERSION as applied without running it (for a database that already has that schema).")

    @Argument(help: "The last version the database already has.")
    var version: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let v = try parseVersion(version, flag: "VERSION")
        try await CommandContext.run(global) { ctx in
            let migrations = try await ctx.loadMigrations()
            let recorded = try await ctx.migrator().baseline(to: v, migrations: migrations, lockWait: ctx.config.lockWait)
            if ctx.output.json { ctx.output.emitJSON(["baselined": recorded.map(\.digits)]); return }
            ctx.output.line(recorded.isEmpty ? "Nothing to record: every migration up to \(v.digits) is already in the history."
                                             : "Recorded \(recorded.count) migration\(recorded.count == 1 ? "" : "s") as applied (baseline at \(v.digits)); none was run.")
        }
    }
}
