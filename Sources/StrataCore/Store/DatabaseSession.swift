import Foundation

/// A row returned by ``DatabaseSession/query(_:)``: every value as text (nil for SQL NULL).
public struct Row: Sendable, Hashable {
    public var values: [String?]
    public init(_ values: [String?]) { self.values = values }
    public subscript(_ i: Int) -> String? { i < values.count ? values[i] : nil }
}

/// An error the database reported, in a driver-neutral shape.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    /// 1-based character position in the statement, when the server gave one.
    public var position: Int?
    /// The driver's own description, shown with --verbose (already redacted by the driver).
    public var underlying: String?
    /// Where the server was when the error happened (PostgreSQL's CONTEXT lines, innermost first).
    public var context: String?
    /// 1-based character position in ``internalQuery``, for an error in a query the server ran on the statement's
    /// behalf (dynamic SQL run by `EXECUTE` in PL/pgSQL, say).
    public var internalPosition: Int?
    public var internalQuery: String?
    public init(message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil, position: Int? = nil, underlying: String? = nil,
                context: String? = nil, internalPosition: Int? = nil, internalQuery: String? = nil) {
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.position = position
        self.underlying = underlying
        self.context = context
        self.internalPosition = internalPosition
        self.internalQuery = internalQuery
    }
    public var description: String {
        var s = message
        if let sqlState { s += " (SQLSTATE \(sqlState))" }
        if let detail { s += "\nDETAIL: \(detail)" }
        if let hint { s += "\nHINT: \(hint)" }
        return s
    }
    /// True when the statement was cancelled (by a signal, or a timeout).
    public var isCancellation: Bool { sqlState == "57014" && !message.contains("statement timeout") }
}

/// The database could not be reached or refused the login.
public struct ConnectionError: Error, Sendable, CustomStringConvertible {
    /// The target, with any password removed.
    public var target: String
    public var reason: String
    public var underlying: String?
    public init(target: String, reason: String, underlying: String? = nil) {
        self.target = target
        self.reason = reason
        self.underlying = underlying
    }
    public var description: String { "cannot connect to \(target): \(reason)" }
}

/// One connection to a database.
///
/// ```swift
/// try await driver.withSession { session in
///     try await session.execute("CREATE TABLE t (id int)")
///     let rows = try await session.query("SELECT count(*) FROM t")
/// }
/// ```
public protocol DatabaseSession: Sendable {
    /// Runs one statement.
    func execute(_ sql: String) async throws
    /// Runs one statement and returns its rows, values as text.
    func query(_ sql: String) async throws -> [Row]
    /// Runs one statement and hands each row to `body` as it arrives, values as text, keeping none: reading 10,000
    /// history rows this way holds neither the server's messages nor a `[Row]` next to what `body` builds.
    /// (The default implementation, which SQLite uses, runs ``query(_:)`` and hands over its rows.)
    ///
    /// ```swift
    /// let count = Mutex(0)
    /// try await session.forEachRow("SELECT version FROM strata_migrations") { _ in count.withLock { $0 += 1 } }
    /// ```
    func forEachRow(_ sql: String, _ body: @escaping @Sendable (Row) throws -> Void) async throws
    /// Asks the server to cancel the statement this session is running, from another connection.
    /// Used when the run is interrupted (SIGINT/SIGTERM) or times out.
    func cancelRunningStatement() async
    /// Where work that talks to this session best runs: the thread that serves its connection, so that each
    /// statement's answer resumes the waiting code without handing it to another thread. Nil: anywhere.
    var preferredExecutor: (any TaskExecutor)? { get }
}

extension DatabaseSession {
    public var preferredExecutor: (any TaskExecutor)? { nil }

    public func forEachRow(_ sql: String, _ body: @escaping @Sendable (Row) throws -> Void) async throws {
        for row in try await query(sql) { try body(row) }
    }

    /// Runs `body` between `BEGIN` and `COMMIT`, rolling back when it throws.
    public func withTransaction<R: Sendable>(begin: String = "BEGIN", _ body: (any DatabaseSession) async throws -> R) async throws -> R {
        try await execute(begin)
        do {
            let result = try await body(self)
            try await execute("COMMIT")
            return result
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
    }
}
