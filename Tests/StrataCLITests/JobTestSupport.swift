import Foundation
import StrataKit
import StrataTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Status files and logs of `strata job` runs in a workspace (default location: `.strata/` in the workspace).
extension CLIWorkspace {
    func statusFilePath(_ env: String = "default") -> String { path(".strata/state/\(env).json") }

    /// The status file as a dictionary (nil when there is none).
    func statusObject(_ env: String = "default") throws -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: statusFilePath(env)) else { return nil }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    func runStatus(_ env: String = "default") throws -> RunStatus? {
        try StatusFile(path: statusFilePath(env)).read()
    }

    /// The lines of the latest run's log.
    func runLogLines(_ env: String = "default") throws -> [String] {
        guard let log = try runStatus(env)?.logFile else { return [] }
        return try RunLog.lines(path: log)
    }

    /// Kills the runner recorded in the status file if it is still alive (cleanup after a failed test).
    func killRunner(_ env: String = "default") {
        if let s = try? runStatus(env), s.status == .running, s.pid > 0, ProcessProbe.isAlive(s.pid) { kill(s.pid, SIGKILL) }
    }

    /// Writes a `running` status by hand, owned by `pid` (this test process by default, which is alive).
    func writeRunningStatus(_ env: String = "default", pid: Int32 = getpid(), runID: String = "20261123T140501-feedbeef") throws {
        try FileManager.default.createDirectory(atPath: path(".strata/state"), withIntermediateDirectories: true)
        let s = RunStatus(status: .running, environment: env, runID: runID, pid: pid, host: ProcessInfo.processInfo.hostName,
                          user: "deploy", startedAt: Date(), command: "strata up --env \(env)", message: "running", detached: true)
        try StatusFile(path: statusFilePath(env)).write(s)
    }
}

/// `2026-11-23T14:05:01.123Z rest`: the line starts with a timestamp.
func isTimestamped(_ line: String) -> Bool {
    guard let first = line.split(separator: " ", maxSplits: 1).first else { return false }
    return first.count == 24 && Timestamps.parse(String(first)) != nil
}

/// A pid no process has (a child that has exited and been reaped).
func deadPid() throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/true")
    try p.run()
    p.waitUntilExit()
    return p.processIdentifier
}
