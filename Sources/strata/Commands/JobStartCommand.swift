import ArgumentParser
import StrataKit

struct JobStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start `strata up|down|redo …` as a detached run.",
        discussion: "Everything after -- is the strata command line, e.g. `strata job start -- up --env production --to 20261123140501`."
    )

    /// The commands a detached run may perform.
    static let allowed = ["up", "down", "redo"]

    @OptionGroup var global: GlobalOptions

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The strata command: up, down or redo with its options.", valueName: "strata-arguments"))
    var arguments: [String] = []

    func run() async throws {
        guard let first = arguments.first else {
            throw ValidationError("give the command after --, e.g. `strata job start -- up --env production`")
        }
        guard Self.allowed.contains(first) else {
            throw ValidationError("`strata job start` runs \(Self.allowed.joined(separator: ", ")), not `\(first)`")
        }
        let child = arguments.filter { $0 != "--detach" } + forwardedGlobals()
        let parsed = try StrataCommand.parseAsRoot(Main.reorderGlobalOptions(child))
        var childGlobal: GlobalOptions
        let flags: RunFlags
        switch parsed {
        case let up as UpCommand: childGlobal = up.global; flags = up.run
        case let down as DownCommand: childGlobal = down.global; flags = down.run
        case let redo as RedoCommand: childGlobal = redo.global; flags = redo.run
        default: throw ValidationError("`strata job start` runs \(Self.allowed.joined(separator: ", ")), not `\(first)`")
        }
        // --json given to `job start` is for its own output.
        childGlobal.json = global.json
        try await DetachLauncher.launch(arguments: child, global: childGlobal, run: flags)
    }

    /// Global options given to `job start` itself, passed on to the run (`--json` excepted).
    func forwardedGlobals() -> [String] {
        var args: [String] = []
        if let d = global.database { args += ["--database", d] }
        if let d = global.dir { args += ["--dir", d] }
        if let e = global.env { args += ["--env", e] }
        for f in global.envFile { args += ["--env-file", f] }
        if let c = global.config { args += ["--config", c] }
        if global.quiet { args.append("--quiet") }
        if global.verbose { args.append("--verbose") }
        if global.noColor { args.append("--no-color") }
        return args
    }
}
