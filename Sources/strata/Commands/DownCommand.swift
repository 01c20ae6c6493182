import ArgumentParser
import StrataKit

struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down", abstract: "Revert applied migrations (the latest one by default).")

    @Option(help: "How many of the latest applied migrations to revert.")
    var steps: Int?

    @Option(help: ArgumentHelp("Revert every migration above this version (0 reverts everything).", valueName: "version"))
    var to: String?

    @OptionGroup var run: RunFlags
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if steps != nil && to != nil { throw ValidationError("--steps and --to cannot be used together") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1 (got \(steps))") }
    }

    func run() async throws {
        let target = try to.map { try parseVersion($0, flag: "--to") }
        try await CommandContext.run(global, run: run) { ctx in
            try await MigrationRun.perform(.down(steps: steps ?? 1, to: target), flags: run, ctx: ctx)
        }
    }
}
