import Foundation
import StrataCore
#if canImport(Glibc)
import Glibc
#endif

/// A problem with a status file, a run log or a detached process; the description says which file and why.
public struct DeployError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// `what: strerror(errno)`.
    static func errno(_ what: String, _ code: Int32 = Glibc.errno) -> DeployError {
        DeployError("\(what): \(String(cString: strerror(code)))")
    }
}

/// A status file, written atomically: the JSON goes to a temporary file in the same directory, which is then
/// renamed over the old one, so a reader sees the old content or the new one, never a mix or an empty file.
///
/// ```swift
/// let file = StatusFile(path: "/var/lib/strata/staging.json")
/// try file.write(status)            // mode 0640
/// let now = try file.read()         // nil when there is no file
/// ```
public struct StatusFile: Sendable, Hashable {
    public let path: String
    /// Owner read/write, group read: the file may name hosts, users and the command line.
    public static let mode: mode_t = 0o640

    public init(path: String) { self.path = path }

    /// Replaces the file with `status`; `sync` also flushes it to disk (for a run's final state).
    public func write(_ status: RunStatus, sync: Bool = false) throws {
        try write(chunks: [try status.jsonData()], sync: sync)
    }

    /// Replaces the file with a status already encoded (see `StatusJSON`), given in pieces written in turn.
    func write(chunks: [Data], sync: Bool = false) throws {
        try Self.writeAtomically(chunks: chunks, to: path, mode: Self.mode, sync: sync)
    }

    /// The status when the file may record a run in progress; nil when it does not exist or cannot: a run in
    /// progress is written as `"status" : "running"`, so a file without the bytes `"running"` anywhere records a
    /// finished run, and is not decoded. A run's start asks this: the file of a finished run of 10,000 migrations
    /// (1.1 MB of steps) took 80 ms to decode only to learn that. A file that does mention `"running"` (its status, or
    /// a message or migration name) is decoded and judged as by ``read()``.
    ///
    /// ```swift
    /// if let current = try file.readIfRunning(), current.status == .running { ... }
    /// ```
    public func readIfRunning() throws -> RunStatus? {
        guard let data = try contents(), data.withUnsafeBytes({ TextScan.contains($0, #""running""#) }) else { return nil }
        return try decode(data)
    }

    /// The status, or nil when the file does not exist.
    public func read() throws -> RunStatus? {
        try contents().map(decode)
    }

    /// The file's bytes, or nil when it does not exist.
    private func contents() throws -> Data? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) { throw DeployError("\(path): cannot read the status file (permissions?)") }
            return nil
        }
        return data
    }

    private func decode(_ data: Data) throws -> RunStatus {
        do {
            return try RunStatus.decode(data)
        } catch {
            throw DeployError("\(path): not a valid Strata status file (\(error)); delete it to start afresh")
        }
    }

    /// Writes `data` to a temporary file beside `path` (created with `mode`), then renames it to `path`.
    public static func writeAtomically(_ data: Data, to path: String, mode: mode_t, sync: Bool = false) throws {
        try writeAtomically(chunks: [data], to: path, mode: mode, sync: sync)
    }

    /// ``writeAtomically(_:to:mode:sync:)`` for bytes given in pieces, written one after the other.
    static func writeAtomically(chunks: [Data], to path: String, mode: mode_t, sync: Bool = false) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp").path
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DeployError.errno("\(path): cannot create a temporary file") }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do {
            defer { close(fd) }
            // The umask may have removed bits: set the mode exactly.
            guard fchmod(fd, mode) == 0 else { throw DeployError.errno("\(temp): cannot set its mode") }
            for chunk in chunks { try writeAll(fd, chunk, path: temp) }
            if sync, fsync(fd) != 0 { throw DeployError.errno("\(temp): fsync failed") }
        }
        guard rename(temp, path) == 0 else { throw DeployError.errno("\(path): cannot replace the status file") }
        ok = true
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DeployError.errno("\(path): write failed")
                }
                offset += n
            }
        }
    }
}

/// An exclusive `flock` on a per-environment lock file: held while a run is started or a status file is
/// checked and rewritten, so two `strata up --detach` cannot both decide nothing is running.
public enum StatusLock {
    /// Runs `body` holding the lock on `path` (created with mode 0640); waits up to `timeout` for it.
    public static func withLock<R>(path: String, timeout: Duration = .seconds(10), _ body: () throws -> R) throws -> R {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, StatusFile.mode)
        guard fd >= 0 else { throw DeployError.errno("\(path): cannot open the lock file") }
        defer { close(fd) }
        let deadline = ContinuousClock.now + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw DeployError.errno("\(path): cannot lock") }
            guard ContinuousClock.now < deadline else {
                throw DeployError("\(path): still locked by another strata process after \(timeout); try again")
            }
            usleep(20_000)
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
