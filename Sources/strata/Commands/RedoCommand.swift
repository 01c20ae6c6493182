import ArgumentParser
import StrataKit

struct RedoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "redo", abstract: "Revert and re-apply the latest applied migrations.")

    @Option(help: "How many of the latest applied migrations to redo.")
    var steps: Int = 1

    @OptionGroup var run: RunFlags
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if steps < 1 { throw ValidationError("--steps must be at least 1 (got \(steps))") }
    }

    func run() async throws {
        try await CommandContext.run(global, run: run) { ctx in
            try await MigrationRun.perform(.redo(steps: steps), flags: run, ctx: ctx)
        }
    }
}
