import ArgumentParser
import Foundation
import StrataKit

struct JobWaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait for an environment's run to finish (for deploy scripts).",
        discussion: """
        Prints a progress line every --progress while the run goes on. Exit codes: 0 completed; 1 failed (the \
        run's error is printed); 11 crashed (its process died or its heartbeat stopped); 124 still running at \
        --timeout (the run goes on); 2 no run recorded (or, with --since, none started within --start-timeout).
        """
    )

    @Argument(help: ArgumentHelp("The environment (default: --env, STRATA_ENV, or `default`).", valueName: "env"))
    var environment: String?

    @Option(help: ArgumentHelp("Stop waiting after this long; the run goes on.", valueName: "duration"))
    var timeout = "2h"

    @Option(help: ArgumentHelp("How often to read the status file.", valueName: "duration"))
    var poll = "5s"

    @Option(help: ArgumentHelp("How often to print a progress line.", valueName: "duration"))
    var progress = "30s"

    @Option(help: ArgumentHelp("Only a run started at or after this time counts (ISO-8601 such as 2026-11-23T14:05:01Z, or Unix seconds); wait for it to appear.", valueName: "time"))
    var since: String?

    @Option(name: .customLong("start-timeout"), help: ArgumentHelp("With --since: how long a new run may take to appear.", valueName: "duration"))
    var startTimeout = "60s"

    @OptionGroup var global: GlobalOptions

    func duration(_ text: String, _ flag: String) throws -> Duration {
        guard let d = DurationText.parse(text), d > .zero else { throw ValidationError("\(flag) \(text): not a duration (use 500ms, 30s, 5m, 2h)") }
        return d
    }

    func run() async throws {
        var settings = WaitSettings()
        settings.timeout = try duration(timeout, "--timeout")
        settings.poll = try duration(poll, "--poll")
        settings.progress = try duration(progress, "--progress")
        settings.startTimeout = try duration(startTimeout, "--start-timeout")
        if let since {
            if let seconds = Double(since) { settings.since = Date(timeIntervalSince1970: seconds) }
            else if let date = Timestamps.parse(since) { settings.since = date }
            else { throw ValidationError("--since \(since): not a time (use ISO-8601 such as 2026-11-23T14:05:01Z, or Unix seconds)") }
        }
        let wait = settings
        try await JobScope.run(global, environment: environment) { scope in
            let out = scope.output
            let outcome = try await JobWaiter(inspector: scope.inspector).wait(wait) { event in
                switch event {
                case .waitingForStart:
                    out.note("Waiting for a run of \(scope.environment) to start…")
                case .found(let s) where s.status == .running:
                    out.note("Waiting for run \(s.runID) of \(scope.environment) (pid \(s.pid) on \(s.host), started \(Timestamps.format(s.startedAt)))…")
                case .found:
                    break
                case .progress(let s, let elapsed):
                    out.line("  still running after \(DurationText.format(.seconds(elapsed.components.seconds))): \(s.currentMigration ?? s.message) (\(JobStatusText.progress(s)))")
                }
            }
            try Self.conclude(outcome, scope: scope, timeout: wait.timeout)
        }
    }

    /// Prints how the wait ended and exits with its code.
    static func conclude(_ outcome: WaitOutcome, scope: JobScope, timeout: Duration) throws {
        let out = scope.output
        let env = scope.envArgument
        let (name, status, code, message): (String, RunStatus?, StrataExit, String)
        switch outcome {
        case .completed(let s):
            (name, status, code, message) = ("completed", s, .ok, "run \(s.runID) completed: \(s.message)")
        case .failed(let s):
            (name, status, code, message) = ("failed", s, .failure, "run \(s.runID) failed (exit \(s.exitCode.map(String.init) ?? "?")): \(s.message)")
        case .crashed(let s):
            (name, status, code, message) = ("crashed", s, .crashed, s.message)
        case .timedOut(let s):
            (name, status, code, message) = ("timeout", s, .timedOut,
                "still running after \(DurationText.format(timeout))\(s.map { " (run \($0.runID): \($0.currentMigration ?? $0.message))" } ?? ""); stopped waiting, the run goes on. Wait again with `strata job wait\(env)`")
        case .notStarted(let s):
            let text = s.map { "no run of \(scope.environment) started since --since (the latest is \($0.runID), started \(Timestamps.format($0.startedAt)))" }
                ?? scope.noRun().description
            (name, status, code, message) = ("not_started", s, .usage, text)
        }
        if out.json {
            struct Body: Encodable { var outcome: String; var exitCode: Int32; var status: JobStatusText.JSON? }
            out.emitJSON(Body(outcome: name, exitCode: code.rawValue,
                              status: status.map { JobStatusText.JSON(status: $0, statusFile: scope.paths.statusFile, logTail: []) }))
            if code != .ok { out.raw("error: \(message)\n", toStderr: true) }
        } else if code == .ok {
            out.line(message)
        } else {
            out.error(message, code: code)
        }
        if code != .ok { throw ExitCode(code.rawValue) }
    }
}
