import Foundation
import StrataCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a file beside the database, serialising runners on one SQLite file.
/// The kernel releases it when the process ends, however it ends.
struct FileLock: MigrationLock {
    /// nil for an in-memory database (nothing to share).
    let path: String?
    let holderDescription: String

    func withLock<R: Sendable>(timeout: Duration, onWait: @escaping @Sendable (LockHolder?) -> Void,
                               _ body: () async throws -> R) async throws -> R {
        guard let path else { return try await body() }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw ConnectionError(target: "sqlite:\(path)", reason: "cannot open lock file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let clock = ContinuousClock()
        let start = clock.now
        var delay = Duration.milliseconds(20)
        var announced = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = readHolder(fd)
            if clock.now - start >= timeout { throw LockTimeoutError(waited: clock.now - start, holder: holder) }
            if !announced { onWait(holder); announced = true }
            try await Task.sleep(for: min(delay, timeout - (clock.now - start)))
            delay = min(delay * 2, .milliseconds(500))
        }
        ftruncate(fd, 0)
        let text = "\(holderDescription) since \(Timestamps.format(Date()))\n"
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        defer {
            ftruncate(fd, 0)
            flock(fd, LOCK_UN)
        }
        return try await body()
    }

    /// Reads the holder the lock file names; when it names one, confirms with a shared `flock` that
    /// is released at once (the file keeps the text of a holder that was killed). Never creates the file.
    func currentHolder(on session: any DatabaseSession) async throws -> LockHolder? {
        guard let path else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let named = readHolder(fd) else { return nil }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return named
    }

    private func readHolder(_ fd: Int32) -> LockHolder? {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : LockHolder(text)
    }
}
