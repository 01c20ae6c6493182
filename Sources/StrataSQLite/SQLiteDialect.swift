import StrataCore

/// Strata's bookkeeping SQL for SQLite.
public struct SQLiteDialect: SQLDialect {
    public init() {}
    public var name: String { "sqlite" }
    public var beginTransaction: String { "BEGIN IMMEDIATE" }
    public var supportsSchemas: Bool { false }
    /// SQLite has no statement timeout; the lock timeout becomes the connection's busy timeout,
    /// set before `BEGIN IMMEDIATE` (which is what waits for the write lock).
    public func localTimeouts(statement: Duration?, lock: Duration?) -> [String] { [] }
    public var supportsTransactionLocalTimeouts: Bool { false }
    public func localTimeoutsReplacing(statement: Duration?, lock: Duration?) -> [String] { [] }
    public func sessionTimeouts(statement: Duration?, lock: Duration?) -> [String] {
        lock.map { ["PRAGMA busy_timeout = \(DurationText.milliseconds($0))"] } ?? []
    }
    public func resetSessionTimeouts(statement: Duration?, lock: Duration?) -> [String] {
        lock == nil ? [] : ["PRAGMA busy_timeout = \(SQLiteDriver.defaultBusyTimeoutMs)"]
    }
    public var now: String { "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')" }
    public func timestampText(_ column: String) -> String { column }
    public var textType: String { "TEXT" }
    public var bigintType: String { "INTEGER" }
    public var timestampType: String { "TEXT" }
    public var identityColumn: String { "INTEGER PRIMARY KEY AUTOINCREMENT" }
    public func tableExistsQuery(_ table: QualifiedName) -> String {
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = \(literal(table.name))"
    }
    public func createSchema(_ schema: String) -> String? { nil }
    public func schemaQuery(forTable name: String) -> String? { nil }
    public var supportsDataModifyingCTE: Bool { false }
}
