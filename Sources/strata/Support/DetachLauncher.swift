import ArgumentParser
import Foundation
import StrataKit
#if canImport(Glibc)
import Glibc
#endif

/// `strata up --detach`, `strata down --detach`, `strata job start -- …`: checks the configuration, refuses when a
/// run of the environment is still going, creates the log, starts this same binary as a detached runner
/// (``DetachedProcess``) and records it as `running` in the status file, then returns.
enum DetachLauncher {
    /// What `--json` prints.
    struct Launched: Encodable, Sendable {
        var runId: String
        var pid: Int32
        var environment: String
        var logFile: String
        var statusFile: String
    }

    /// The arguments of this process for the runner: the same command line without `--detach`.
    static func childArguments() -> [String] {
        Array(CommandLine.arguments.dropFirst()).filter { $0 != "--detach" }
    }

    static func launch(arguments: [String], global: GlobalOptions, run flags: RunFlags) async throws {
        try await CommandContext.run(global, run: flags) { ctx in
            if flags.dryRun {
                throw CommandFailure(.usage, "--detach cannot be used with --dry-run: a dry run changes nothing, so run it in the foreground")
            }
            let launched = try start(arguments: arguments, ctx: ctx)
            let out = ctx.output
            if out.json { out.emitJSON(launched); return }
            let env = launched.environment == DeployPaths.defaultEnvironment ? "" : " \(launched.environment)"
            out.line("Started detached run \(launched.runId) (pid \(launched.pid)) for environment \(launched.environment).")
            out.line("  log:    \(launched.logFile)")
            out.line("  status: \(launched.statusFile)")
            out.line("Follow it with `strata job logs\(env) -f`; wait for it with `strata job wait\(env)`.")
        }
    }

    static func start(arguments: [String], ctx: CommandContext) throws -> Launched {
        let config = ctx.config
        let paths = try DeployPaths.resolve(config)
        try paths.createDirectories()
        let runID = RunContext.newRunID()
        let host = RunContext.hostName()
        let user = RunContext.userName()
        let command = RunRecorder.commandLine(arguments)
        let file = StatusFile(path: paths.statusFile)
        return try StatusLock.withLock(path: paths.lockFile) { () throws -> Launched in
            if let current = try? file.read(), CrashDetector.assess(current).status == .running {
                let env = paths.environment == DeployPaths.defaultEnvironment ? "" : " \(paths.environment)"
                throw CommandFailure(.lockNotAcquired, """
                    a run of environment \(paths.environment) is still running: run \(current.runID) (pid \(current.pid) on \(current.host), \
                    started \(Timestamps.format(current.startedAt)) by \(current.user)): \(current.command)
                    Wait for it with `strata job wait\(env)`, or follow it with `strata job logs\(env) -f`.
                    """)
            }
            let log = try RunLog.create(directory: paths.logDirectory, environment: paths.environment, redactor: config.redactor)
            log.write("strata \(StrataVersion.current): detached run \(runID) of environment \(paths.environment), started by \(user)@\(host)")
            log.write("command: \(command)")
            var environment = ProcessInfo.processInfo.environment
            environment[RunRecorder.Runner.runID] = runID
            environment[RunRecorder.Runner.statusFile] = paths.statusFile
            environment[RunRecorder.Runner.lockFile] = paths.lockFile
            environment[RunRecorder.Runner.logFile] = log.path
            // Inherited by the runner; and a hang-up now must not stop this launcher between the spawn and the status.
            signal(SIGHUP, SIG_IGN)
            let pid = try DetachedProcess.spawn(executable: DetachedProcess.currentExecutable(), arguments: arguments,
                                                environment: environment, output: log.fd)
            var status = RunStatus(status: .running, environment: paths.environment, runID: runID, pid: pid, host: host, user: user,
                                   startedAt: Date(), command: command, logFile: log.path, message: "starting", detached: true)
            status.database = config.target.display
            do {
                try file.write(status.redacted(by: config.redactor))
            } catch {
                // The runner waits for this lock before it does anything: stopping it now leaves nothing half-done.
                kill(pid, SIGKILL)
                log.write("not started: \(error)")
                throw error
            }
            return Launched(runId: runID, pid: pid, environment: paths.environment, logFile: log.path, statusFile: paths.statusFile)
        }
    }
}

/// `--detach` for `up` and `down`.
struct DetachOptions: ParsableArguments {
    @Flag(help: "Run in the background, detached from this terminal and SSH session: print the run id, log and status file, and return at once (see `strata job`).")
    var detach = false
}
