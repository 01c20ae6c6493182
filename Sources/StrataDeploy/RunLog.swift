import Foundation
import StrataCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A run's log file, `<log_dir>/migration-<env>-<YYYYMMDD_HHMMSS>.log`: every line starts with an ISO-8601 UTC
/// timestamp, and every line is redacted before it is written.
///
/// ```swift
/// let log = try RunLog.create(directory: paths.logDirectory, environment: "staging")
/// log.write("starting")              // 2026-11-23T14:05:01.123Z starting
/// ```
public final class RunLog: Sendable {
    public let path: String
    /// Opened for appending; each line is one `write`, so writers sharing the file never interleave inside a line.
    public let fd: Int32
    private let redactor: Mutex<Redactor>

    init(path: String, fd: Int32, redactor: Redactor) {
        self.path = path
        self.fd = fd
        self.redactor = Mutex(redactor)
    }

    deinit { close(fd) }

    /// `migration-<env>-<YYYYMMDD_HHMMSS>.log` (UTC), as the SOAR logs were named.
    public static func fileName(environment: String, date: Date = Date()) -> String {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC") ?? c.timeZone
        let p = c.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { String(format: "%02d", v ?? 0) }
        let stamp = String(format: "%04d", p.year ?? 0) + two(p.month) + two(p.day) + "_" + two(p.hour) + two(p.minute) + two(p.second)
        return "migration-\(DeployPaths.fileStem(environment))-\(stamp).log"
    }

    /// Creates a new log in `directory` (mode 0640); a second run in the same second gets a `-2`, `-3`… suffix.
    public static func create(directory: String, environment: String, date: Date = Date(), redactor: Redactor = Redactor()) throws -> RunLog {
        let base = fileName(environment: environment, date: date)
        for n in 1...100 {
            let name = n == 1 ? base : base.replacingOccurrences(of: ".log", with: "-\(n).log")
            let path = directory + "/" + name
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, StatusFile.mode)
            if fd >= 0 {
                fchmod(fd, StatusFile.mode)
                return RunLog(path: path, fd: fd, redactor: redactor)
            }
            if errno != EEXIST { throw DeployError.errno("\(path): cannot create the run log") }
        }
        throw DeployError("\(directory): too many logs named \(base)")
    }

    /// Appends to an existing log.
    public static func open(path: String, redactor: Redactor = Redactor()) throws -> RunLog {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw DeployError.errno("\(path): cannot open the run log") }
        return RunLog(path: path, fd: fd, redactor: redactor)
    }

    /// Adds secrets to hide from now on.
    public func use(_ redactor: Redactor) {
        self.redactor.withLock { r in for s in redactor.secrets { r.add(s) } }
    }

    /// Writes `text`, one timestamped line per line of it.
    public func write(_ text: String, at date: Date = Date()) {
        let stamp = Timestamps.format(date)
        let clean = redactor.withLock { $0.redact(text) }
        // "\r\n" is one Character in Swift: split on both.
        var lines = clean.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        if lines.count > 1, lines.last == "" { lines.removeLast() }
        var out = ""
        for line in lines { out += stamp + " " + line + "\n" }
        try? StatusFile.writeAll(fd, Data(out.utf8), path: path)
    }

    /// The last `count` lines of the log at `path` (all of them when `count` is nil).
    public static func lines(path: String, last count: Int? = nil) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw DeployError("\(path): cannot read the run log") }
        var lines = String(decoding: data, as: UTF8.self).split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map(String.init)
        if lines.last == "" { lines.removeLast() }
        if let count { return Array(lines.suffix(max(0, count))) }
        return lines
    }
}

/// Sends this process's stdout and stderr through a pipe into a ``RunLog``, so everything the run prints
/// (its own output, library messages) lands in the log with a timestamp on each line.
///
/// Only for a detached runner: the process has no terminal to print to.
public final class LogPump: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let log: RunLog

    private init(log: RunLog) { self.log = log }

    /// Points fds 1 and 2 at a pipe read by a thread that writes each line to `log`.
    public static func start(log: RunLog) throws -> LogPump {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw DeployError.errno("cannot create the log pipe") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        fflush(nil)
        guard dup2(writeEnd, 1) >= 0, dup2(writeEnd, 2) >= 0 else {
            let e = errno
            close(readEnd)
            close(writeEnd)
            throw DeployError.errno("cannot redirect the output into the log", e)
        }
        close(writeEnd)
        let pump = LogPump(log: log)
        let thread = Thread { [pump] in
            pump.drain(readEnd)
            close(readEnd)
            pump.done.signal()
        }
        thread.name = "strata-log-pump"
        thread.start()
        return pump
    }

    private func drain(_ fd: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: buffer[0..<n])
            if let last = pending.lastIndex(of: 0x0A) {
                log.write(String(decoding: pending[...last], as: UTF8.self))
                pending.removeSubrange(...last)
            }
        }
        if !pending.isEmpty { log.write(String(decoding: pending, as: UTF8.self)) }
    }

    /// Closes this process's stdout and stderr (pointing them at /dev/null) and waits up to `timeout` for
    /// the pump to write what is left; nothing printed afterwards reaches the log.
    public func finish(timeout: Duration = .seconds(2)) {
        fflush(nil)
        let null = Glibc.open("/dev/null", O_WRONLY | O_CLOEXEC)
        if null >= 0 {
            dup2(null, 1)
            dup2(null, 2)
            close(null)
        }
        _ = done.wait(timeout: .now() + .milliseconds(Int(DurationText.milliseconds(timeout))))
    }
}
