import ArgumentParser
import StrataKit

struct JobStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show an environment's latest run: state, message, exit code, log and its last lines.",
        discussion: "A `running` status whose process is gone, or whose heartbeat is older than 30 s, is shown (and recorded) as `crashed`."
    )

    @Argument(help: ArgumentHelp("The environment (default: --env, STRATA_ENV, or `default`).", valueName: "env"))
    var environment: String?

    @Option(name: [.customShort("n"), .customLong("lines")], help: "How many of the log's last lines to show.")
    var lines = 10

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let count = max(0, lines)
        try await JobScope.run(global, environment: environment) { scope in
            let out = scope.output
            guard let status = try scope.inspector.current() else { throw scope.noRun() }
            let tail = status.logFile.flatMap { try? RunLog.lines(path: $0, last: count) } ?? []
            if out.json {
                out.emitJSON(JobStatusText.JSON(status: status, statusFile: scope.paths.statusFile, logTail: tail))
                return
            }
            for line in JobStatusText.lines(status, statusFile: scope.paths.statusFile, out: out) { out.line(line) }
            if !tail.isEmpty {
                out.line()
                out.line(out.paint("Last \(tail.count) line\(tail.count == 1 ? "" : "s") of the log:", .bold))
                for line in tail { out.line("  " + line) }
            }
        }
    }
}
