import Foundation
import StrataCore
#if canImport(Glibc)
import Glibc
#endif

/// Whether a process is still there.
public enum ProcessProbe {
    /// True while `pid` exists and is not a zombie (killed but not yet reaped by its parent).
    ///
    /// A process owned by another user counts as alive (`kill` answers EPERM).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0 && errno != EPERM { return false }
        return !isZombie(pid)
    }

    /// The state letter in `/proc/<pid>/stat` is `Z` (zombie) or `X` (dead).
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state == "Z" || state == "X"
    }
}

/// Tells a running run from a crashed one: a `running` status whose process is gone, or whose heartbeat
/// is older than ``staleAfter``, is `crashed`.
public enum CrashDetector {
    /// A running run rewrites its status file every 5 s; this much silence means it is stuck or gone.
    public static let staleAfter: TimeInterval = 30

    /// Why `status` is a crash, or nil when it is finished or looks alive.
    ///
    /// The process is checked only on the host that wrote the file (a pid means nothing elsewhere); the
    /// heartbeat is checked everywhere.
    public static func crashReason(_ status: RunStatus, now: Date = Date(), localHost: String = ProcessInfo.processInfo.hostName,
                                   isAlive: (Int32) -> Bool = ProcessProbe.isAlive) -> String? {
        guard status.status == .running else { return nil }
        if status.host == localHost && !isAlive(status.pid) {
            return "its process \(status.pid) is gone"
        }
        let silence = now.timeIntervalSince(status.updatedAt)
        if silence > staleAfter {
            return "its heartbeat stopped \(DurationText.format(.seconds(Int64(silence)))) ago (process \(status.pid) on \(status.host))"
        }
        return nil
    }

    /// `status`, or a `crashed` copy of it when ``crashReason(_:now:localHost:isAlive:)`` finds one.
    public static func assess(_ status: RunStatus, now: Date = Date(), localHost: String = ProcessInfo.processInfo.hostName,
                              isAlive: (Int32) -> Bool = ProcessProbe.isAlive) -> RunStatus {
        guard let reason = crashReason(status, now: now, localHost: localHost, isAlive: isAlive) else { return status }
        var crashed = status
        crashed.status = .crashed
        crashed.timestamp = now
        crashed.exitCode = nil
        let during = status.currentMigration.map { " during migration \($0)" } ?? ""
        crashed.message = "run \(status.runID) stopped without finishing\(during): \(reason). "
            + "A migration in a transaction was rolled back by the database; check with `strata status`, then start a new run."
        return crashed
    }
}

/// Reads a status file the way `strata job status` and `job wait` do: a crash is noticed and written back.
public struct RunInspector: Sendable {
    public let file: StatusFile
    public let lockPath: String

    public init(paths: DeployPaths) {
        file = StatusFile(path: paths.statusFile)
        lockPath = paths.lockFile
    }

    public init(file: StatusFile, lockPath: String) {
        self.file = file
        self.lockPath = lockPath
    }

    /// The current status (nil when no run was recorded), `crashed` when its run died; the crash is written to
    /// the file when this user may write it.
    public func current(now: Date = Date()) throws -> RunStatus? {
        guard let status = try file.read() else { return nil }
        let assessed = CrashDetector.assess(status, now: now)
        guard assessed.status != status.status else { return status }
        // Re-read under the lock: the run may have finished (or been replaced) in between.
        let written = try? StatusLock.withLock(path: lockPath, timeout: .seconds(2)) { () throws -> RunStatus? in
            guard let again = try file.read() else { return nil }
            let reassessed = CrashDetector.assess(again, now: now)
            if reassessed.status == .crashed && again.status == .running { try file.write(reassessed, sync: true) }
            return reassessed
        }
        return written ?? assessed
    }
}
