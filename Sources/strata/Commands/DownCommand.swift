import ArgumentParser
import StrataKit

struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down", abstract: "Revert applied migrations (the latest one by default).")

    @Option(help: "How many of the latest applied migrations to revert.")
    var steps: Int?

    @Option(help: ArgumentHelp("Revert every migration above this version (0 reverts everything).", valueName: "version"))
    var to: String?

    @Option(name: .customLong("confirm-delay"), help: ArgumentHelp("First print the migrations to be reverted and wait this long (e.g. 10s); Ctrl-C cancels.", valueName: "duration"))
    var confirmDelay: String?

    @OptionGroup var run: RunFlags
    @OptionGroup var detaching: DetachOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if steps != nil && to != nil { throw ValidationError("--steps and --to cannot be used together") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1 (got \(steps))") }
        if let confirmDelay, DurationText.parse(confirmDelay) == nil { throw ValidationError("--confirm-delay \(confirmDelay): not a duration (use 10s, 1m)") }
    }

    func run() async throws {
        let target = try to.map { try parseVersion($0, flag: "--to") }
        if detaching.detach { return try await DetachLauncher.launch(arguments: DetachLauncher.childArguments(), global: global, run: run) }
        let delay = run.dryRun ? nil : confirmDelay.flatMap(DurationText.parse)
        try await CommandContext.run(global, run: run) { ctx in
            if let delay { try await ConfirmDelay.warnAndWait(.down(steps: steps ?? 1, to: target), delay: delay, ctx: ctx) }
            try await MigrationRun.perform(.down(steps: steps ?? 1, to: target), flags: run, ctx: ctx)
        }
    }
}
