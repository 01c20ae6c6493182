import Foundation
import StrataKit
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the status file of the `up` / `down` / `redo` this process performs, and for a detached runner also
/// its log: `running` (with a 5 s heartbeat) → `current_migration` / `applied` as steps finish → `completed` or
/// `failed` with the exit code and the redacted error.
///
/// Foreground runs record their status file too (so `strata job wait` works for a run started by systemd),
/// except dry runs, and except when another live run already owns the file (its status is left alone).
/// Recording never fails a run: a status file that cannot be written is a warning.
final class RunRecorder: Sendable {
    /// The environment variables a launcher gives the detached runner (removed from its environment at start).
    enum Runner {
        static let runID = "STRATA_RUNNER_RUN_ID"
        static let statusFile = "STRATA_RUNNER_STATUS_FILE"
        static let lockFile = "STRATA_RUNNER_LOCK_FILE"
        static let logFile = "STRATA_RUNNER_LOG_FILE"
        static let all = [runID, statusFile, lockFile, logFile]
    }

    private static let active = Mutex<RunRecorder?>(nil)

    let reporter: StatusReporter
    let log: RunLog?
    let pump: LogPump?
    let detached: Bool
    private struct Versions { var from: String??; var to: String? }
    private let versions = Mutex(Versions(from: nil, to: nil))

    private init(reporter: StatusReporter, log: RunLog?, pump: LogPump?, detached: Bool) {
        self.reporter = reporter
        self.log = log
        self.pump = pump
        self.detached = detached
    }

    var runID: String { reporter.current.runID }

    /// The detached run's id, which the migrator records in `strata_events` (nil in a foreground process).
    static var detachedRunID: String? { active.withLock { $0.flatMap { $0.detached ? $0.runID : nil } } }

    // MARK: detached runner

    /// In a process started by `strata up --detach` / `strata job start`: ignores SIGHUP, sends stdout and stderr
    /// through the timestamped log, and takes over the status file the launcher wrote. Does nothing elsewhere.
    static func activateDetachedRunner() {
        let env = ProcessInfo.processInfo.environment
        guard let runID = env[Runner.runID], let statusPath = env[Runner.statusFile], let lockPath = env[Runner.lockFile],
              let logPath = env[Runner.logFile] else { return }
        for name in Runner.all { unsetenv(name) }
        signal(SIGHUP, SIG_IGN)
        guard active.withLock({ $0 == nil }), let log = try? RunLog.open(path: logPath) else { return }
        let file = StatusFile(path: statusPath)
        // The launcher writes the status (with this pid) before it releases the lock.
        let found: RunStatus?
        do {
            found = try StatusLock.withLock(path: lockPath) { try file.read() }
        } catch {
            log.write("strata: cannot read the status file: \(error)")
            return
        }
        guard var status = found, status.runID == runID, status.pid == getpid() else {
            log.write("strata: \(statusPath) does not name this process (pid \(getpid())) as run \(runID); its status is not recorded")
            return
        }
        let pump: LogPump?
        do { pump = try LogPump.start(log: log) } catch {
            log.write("strata: \(error); output goes to the log without timestamps")
            pump = nil
        }
        log.write("runner started (pid \(getpid()))")
        status.message = "running"
        let reporter = StatusReporter(file: file, initial: status)
        reporter.start()
        active.withLock { $0 = RunRecorder(reporter: reporter, log: log, pump: pump, detached: true) }
    }

    // MARK: any run

    /// The recorder for a run starting now: the detached runner's, or a new one for a foreground run.
    static func begin(ctx: CommandContext, runID: String, dryRun: Bool) -> RunRecorder? {
        if let runner = active.withLock({ $0 }) {
            runner.attach(ctx)
            return runner
        }
        guard !dryRun else { return nil }
        let out = ctx.output
        let paths: DeployPaths
        do {
            paths = try DeployPaths.resolve(ctx.config)
        } catch {
            out.note(out.paint("warning: ", .yellow) + "this run's status is not recorded: \(error)")
            return nil
        }
        // A default location (.strata/ beside strata.toml) that cannot be written only matters to `strata job`.
        func warn(_ text: String) {
            let line = "this run's status is not recorded (`strata job status` will not see it): \(text)"
            if paths.defaultRoot == nil { out.note(out.paint("warning: ", .yellow) + line) } else { out.debug(line) }
        }
        do { try paths.createDirectories() } catch {
            warn("\(error)")
            return nil
        }
        let file = StatusFile(path: paths.statusFile)
        let host = RunContext.hostName()
        var status = RunStatus(status: .running, environment: paths.environment, runID: runID, pid: getpid(), host: host,
                               user: RunContext.userName(), startedAt: Date(), command: commandLine(), message: "running")
        status.database = ctx.config.target.display
        let reporter = StatusReporter(file: file, initial: status, redactor: ctx.config.redactor)
        do {
            let owner: RunStatus? = try StatusLock.withLock(path: paths.lockFile) {
                if let current = try? file.readIfRunning(), CrashDetector.assess(current).status == .running,
                   !(current.pid == getpid() && current.host == host) {
                    return current
                }
                reporter.start()
                return nil
            }
            if let owner {
                out.note("note: run \(owner.runID) (pid \(owner.pid) on \(owner.host)) is recorded in \(paths.statusFile) and still running; this run's status is not recorded")
                return nil
            }
        } catch {
            warn("\(error)")
            return nil
        }
        if let e = reporter.lastError { warn(e) }
        let recorder = RunRecorder(reporter: reporter, log: nil, pump: nil, detached: false)
        active.withLock { $0 = recorder }
        return recorder
    }

    /// The configuration is known: hide its secrets, note the database.
    private func attach(_ ctx: CommandContext) {
        log?.use(ctx.config.redactor)
        reporter.use(ctx.config.redactor)
        reporter.update { $0.database = ctx.config.target.display }
    }

    /// Follows the run's events.
    func record(_ event: RunEvent) {
        switch event {
        case .lockWaiting(let holder):
            reporter.update { $0.message = "waiting for the migration lock\(holder.map { ", held by \($0)" } ?? "")" }
        case .lockAcquired:
            reporter.update { $0.message = "lock acquired" }
        case .planned(let plan):
            // Written from another thread within the reporter's interval, not before the first migration starts.
            reporter.update { s in
                s.planned = plan.steps.count
                s.applied.reserveCapacity(s.applied.count + plan.steps.count)   // grown a step at a time otherwise
                s.message = plan.isEmpty ? "nothing to do" : "\(plan.steps.count) migration\(plan.steps.count == 1 ? "" : "s") to run"
            }
        case .stepStarted(let i, let n, let step):
            reporter.update { s in
                s.currentMigration = step.migration.label
                s.message = "[\(i)/\(n)] \(step.direction.rawValue) \(step.migration.label)"
            }
        case .stepFinished(let i, let n, let step, let d):
            reporter.update { s in
                s.applied.append(RunStatusStep(version: step.migration.version.digits, name: step.migration.name,
                                               direction: step.direction.rawValue, durationMs: DurationText.milliseconds(d)))
                s.currentMigration = nil
                s.message = "[\(i)/\(n)] \(step.direction.rawValue) \(step.migration.label) done"
            }
        case .stepFailed(let i, let n, let step, _):
            reporter.update(force: true) { $0.message = "[\(i)/\(n)] \(step.direction.rawValue) \(step.migration.label) failed" }
        case .dryRunSQL:
            break
        }
    }

    /// A run report (success or failure): the versions before and after.
    func record(_ report: RunReport) {
        versions.withLock { v in
            if v.from == nil { v.from = .some(report.fromVersion?.digits) }
            v.to = report.toVersion?.digits
        }
    }

    /// Writes the final status of the active run, if any, and for a detached runner the last log lines.
    /// `message` is the error as printed (redacted); nil on success.
    static func finish(_ code: StrataExit, message: String?) {
        guard let recorder = active.withLock({ a -> RunRecorder? in
            defer { a = nil }
            return a
        }) else { return }
        recorder.complete(code, message: message)
    }

    private func complete(_ code: StrataExit, message: String?) {
        let v = versions.withLock { $0 }
        let current = reporter.current
        let text: String
        if code == .ok {
            let n = current.applied.count
            let verb = current.applied.allSatisfy { $0.direction == "up" } ? "applied" : current.applied.allSatisfy { $0.direction == "down" } ? "reverted" : "ran"
            let at = v.to.map { "; now at \($0)" } ?? ""
            text = n == 0 ? "Migration completed successfully: nothing to do\(at.isEmpty ? "" : " (up to date\(at))")"
                : "Migration completed successfully: \(verb) \(n) migration\(n == 1 ? "" : "s")\(at)"
        } else {
            text = message ?? "failed with exit code \(code.rawValue)"
        }
        if let log {
            pump?.finish()
            log.write(code == .ok ? "run \(runID) completed (exit 0)" : "run \(runID) failed (exit \(code.rawValue))")
        }
        reporter.finish(code == .ok ? .completed : .failed, exitCode: code.rawValue, message: text) { s in
            s.fromVersion = v.from ?? nil
            s.toVersion = v.to
        }
    }

    /// This process's command line, shell-quoted where needed (redacted when written).
    static func commandLine(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> String {
        (["strata"] + arguments.map(shellQuote)).joined(separator: " ")
    }

    static func shellQuote(_ s: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,")
        if !s.isEmpty, s.unicodeScalars.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Gives the active recorder each run report (the versions before and after), on success and failure.
struct RunRecorderHook: RunHook {
    func didFinish(_ report: RunReport) async {
        RunRecorder.current?.record(report)
    }
}

extension RunRecorder {
    static var current: RunRecorder? { active.withLock { $0 } }
}
