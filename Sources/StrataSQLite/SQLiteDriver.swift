import Foundation
import Logging
import SQLiteNIO
import StrataCore

/// SQLite files (and `:memory:`), through sqlite-nio.
///
/// ```swift
/// let driver = SQLiteDriver(path: "app.sqlite")
/// try await driver.withSession { try await $0.execute("CREATE TABLE t (id INTEGER)") }
/// ```
public struct SQLiteDriver: DatabaseDriver {
    /// How long a statement waits for another connection's write lock before failing.
    public static let defaultBusyTimeoutMs: Int64 = 30_000
    public let path: String
    public let logger: Logger
    public init(path: String, logger: Logger = Logger(label: "strata.sqlite")) {
        self.path = path
        self.logger = logger
    }

    public var dialect: any SQLDialect { SQLiteDialect() }
    public var displayTarget: String { "sqlite:\(path)" }

    /// A read-only look at a file that does not exist yet sees an empty database instead of creating the file.
    public func withSession<R: Sendable>(readOnly: Bool, _ body: (any DatabaseSession) async throws -> R) async throws -> R {
        if readOnly, path != ":memory:", !FileManager.default.fileExists(atPath: path) {
            return try await SQLiteDriver(path: ":memory:", logger: logger).withSession(body)
        }
        return try await withSession(body)
    }

    public func withSession<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R {
        if path != ":memory:" {
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw ConnectionError(target: displayTarget, reason: "directory \(dir) does not exist")
            }
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: path == ":memory:" ? .memory : .file(path: path), logger: logger)
        } catch {
            throw ConnectionError(target: displayTarget, reason: "cannot open the database file: \(error)")
        }
        let session = SQLiteSession(connection: connection)
        do {
            try await session.execute("PRAGMA busy_timeout = \(Self.defaultBusyTimeoutMs)")
            try await session.execute("PRAGMA foreign_keys = ON")
            let result = try await body(session)
            await Self.close(connection)
            return result
        } catch {
            await Self.close(connection)
            throw error
        }
    }

    /// Closes even when the calling task is cancelled (--timeout, SIGINT): sqlite-nio's async close does nothing in a
    /// cancelled task, which leaks the handle (and trips its deinit assertion in debug builds).
    static func close(_ connection: SQLiteConnection) async {
        await Task.detached { try? await connection.close() }.value
    }

    public func makeLock(for table: QualifiedName, holderDescription: String) -> any MigrationLock {
        FileLock(path: path == ":memory:" ? nil : path + ".strata-lock", holderDescription: holderDescription)
    }

    public func serverVersion(on session: any DatabaseSession) async throws -> String {
        "SQLite " + (try await session.query("SELECT sqlite_version()").first?[0] ?? "?")
    }
}

/// One SQLite connection.
struct SQLiteSession: DatabaseSession {
    let connection: SQLiteConnection

    /// Runs `work` even when the calling task is cancelled: sqlite-nio's async calls do nothing in a cancelled task, and
    /// Strata's bookkeeping after a cancel (ROLLBACK, history rows, a safe run's rollback) must still run. The migrator
    /// checks for cancellation itself before each cancellable statement.
    static func uncancelled<R: Sendable>(_ work: @escaping @Sendable () async throws -> R) async throws -> R {
        try await Task.detached(operation: work).value
    }

    func execute(_ sql: String) async throws {
        let connection = self.connection
        do {
            try await Self.uncancelled { try await connection.query(sql, [], { _ in }) }
        } catch let e as SQLiteError {
            throw DatabaseError(message: e.message, underlying: "\(e.reason)")
        }
    }

    func query(_ sql: String) async throws -> [Row] {
        do {
            let connection = self.connection
            let rows = try await Self.uncancelled { try await connection.query(sql, []) }
            return rows.map { row in
                Row(row.columns.map { c -> String? in
                    switch c.data {
                    case .null: nil
                    case .integer(let i): String(i)
                    case .float(let d): String(d)
                    case .text(let s): s
                    case .blob(let b): b.readableBytesView.map { String(format: "%02x", $0) }.joined()
                    }
                })
            }
        } catch let e as SQLiteError {
            throw DatabaseError(message: e.message, underlying: "\(e.reason)")
        }
    }

    func cancelRunningStatement() async {}
}
