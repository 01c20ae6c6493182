import ArgumentParser
import StrataKit

struct MarkAppliedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark-applied",
        abstract: "Record one pending migration as applied without running it (skip it); noted in the audit log.")

    @Argument(help: "The version to skip.")
    var version: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let v = try parseVersion(version, flag: "VERSION")
        try await CommandContext.run(global) { ctx in
            let migrations = try await ctx.loadMigrations()
            try await ctx.migrator().markApplied(v, migrations: migrations, lockWait: ctx.config.lockWait)
            if ctx.output.json { ctx.output.emitJSON(["marked_applied": v.digits]); return }
            ctx.output.line("Recorded \(v.digits) as applied without running it.")
        }
    }
}
