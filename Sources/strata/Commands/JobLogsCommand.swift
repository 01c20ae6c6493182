import ArgumentParser
import Foundation
import StrataKit

struct JobLogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the log of an environment's latest detached run; -f follows it until the run ends."
    )

    @Argument(help: ArgumentHelp("The environment (default: --env, STRATA_ENV, or `default`).", valueName: "env"))
    var environment: String?

    @Flag(name: [.short, .long], help: "Keep printing new lines until the run finishes.")
    var follow = false

    @Option(name: [.customShort("n"), .customLong("lines")], help: "Print only the last N lines first.")
    var lines: Int?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let follow = follow
        let lines = lines
        try await JobScope.run(global, environment: environment) { scope in
            let out = scope.output
            guard let status = try scope.inspector.current() else { throw scope.noRun() }
            guard let path = status.logFile else {
                throw CommandFailure(.failure, """
                    run \(status.runID) of \(scope.environment) ran in the foreground and has no log file: its output went to its \
                    terminal, or under systemd to the journal (journalctl -u strata-migrate@\(scope.environment))
                    """)
            }
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandFailure(.failure, "\(path): cannot read the run log") }
            defer { try? handle.close() }
            var data = (try? handle.readToEnd()) ?? Data()
            if let lines {
                var all = String(decoding: data, as: UTF8.self).split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
                if all.last == "" { all.removeLast() }
                let kept = all.suffix(max(0, lines))
                data = Data((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8)
            }
            out.raw(String(decoding: data, as: UTF8.self))
            guard follow else { return }
            // Until the run has finished and the log has stopped growing.
            var finished = status.status.isFinished
            while true {
                try await Task.sleep(for: .milliseconds(250))
                let more = (try? handle.readToEnd()) ?? Data()
                if !more.isEmpty { out.raw(String(decoding: more, as: UTF8.self)); continue }
                if finished { return }
                let now = try scope.inspector.current()
                finished = now.map { $0.runID != status.runID || $0.status.isFinished } ?? true
            }
        }
    }
}
