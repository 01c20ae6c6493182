import ArgumentParser
import StrataKit

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up", abstract: "Apply pending migrations.")

    @Option(help: ArgumentHelp("Apply up to and including this version.", valueName: "version"))
    var to: String?

    @Flag(help: "Apply every migration even though another tool's history table is there and Strata has none (see `strata adopt`).")
    var allowForeignHistory = false

    @OptionGroup var run: RunFlags
    @OptionGroup(title: "Safety") var safety: SafetyOptions
    @OptionGroup var detaching: DetachOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let target = try to.map { try parseVersion($0, flag: "--to") }
        if detaching.detach { return try await DetachLauncher.launch(arguments: DetachLauncher.childArguments(), global: global, run: run) }
        let safety = self.safety
        let flags = run, allowForeign = allowForeignHistory
        try await CommandContext.run(global, run: run, ownsTimeout: { config in
            (try? SafeUp.settings(for: .up(to: target), flags: flags, safety: safety, config: config)) != nil
        }) { ctx in
            // The guard's connection is kept for the run's session (MigrationRun closes it if the run never took it).
            let guardForeign: @Sendable (Migrator) async throws -> Void = { migrator in
                if let refusal = try await ForeignHistoryGuard.check(migrator: migrator, keepConnection: true) {
                    throw CommandFailure(.validation, refusal.description)
                }
            }
            try await MigrationRun.perform(.up(to: target), flags: flags, ctx: ctx, safety: safety, preflight: allowForeign ? nil : guardForeign)
        }
    }
}

/// Reads a version argument, or explains what a version looks like.
func parseVersion(_ text: String, flag: String) throws -> MigrationVersion {
    if let v = MigrationVersion(text) { return v }
    if let (v, _) = MigrationFileName.splitVersion(text) { return v }
    throw ValidationError("\(flag) \(text): not a version (the leading digits of a migration's name, such as 20261123140501 or 0003)")
}
