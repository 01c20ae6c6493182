import Foundation

/// The SQL a driver speaks for Strata's own bookkeeping: quoting, transactions, timeouts and the
/// history-table DDL. Migration SQL itself is sent as written.
public protocol SQLDialect: Sendable {
    /// "postgresql" or "sqlite".
    var name: String { get }
    /// Statement that opens a migration's transaction.
    var beginTransaction: String { get }
    /// Whether the database can run DDL inside a transaction and roll it back.
    var supportsSchemas: Bool { get }
    /// Statements setting timeouts for the current transaction only.
    func localTimeouts(statement: Duration?, lock: Duration?) -> [String]
    /// Like ``localTimeouts(statement:lock:)``, but a nil value resets that setting to its session default
    /// (used between migrations of one `--single-transaction` run).
    func localTimeoutsReplacing(statement: Duration?, lock: Duration?) -> [String]
    /// Whether ``localTimeouts(statement:lock:)`` works; when false, the session timeouts are set before
    /// `BEGIN` (which may itself wait for a lock) and reset after the transaction.
    var supportsTransactionLocalTimeouts: Bool { get }
    /// Statements setting timeouts for the session (used by `no-transaction` migrations), and undoing them.
    func sessionTimeouts(statement: Duration?, lock: Duration?) -> [String]
    func resetSessionTimeouts(statement: Duration?, lock: Duration?) -> [String]
    /// SQL expression for the current time, stored as the history's timestamp type.
    var now: String { get }
    /// SQL expression reading a timestamp column as ISO-8601 text in UTC (`2026-11-23T14:05:01.123Z`).
    func timestampText(_ column: String) -> String
    /// SQL types used in the history tables.
    var textType: String { get }
    var bigintType: String { get }
    var timestampType: String { get }
    var identityColumn: String { get }
    /// Query returning one row whose first value is "1" when the table exists, "0" otherwise.
    func tableExistsQuery(_ table: QualifiedName) -> String
    func createSchema(_ schema: String) -> String?
    /// Whether `WITH x AS (INSERT …) INSERT …` works, letting a history write and its event go in one statement.
    var supportsDataModifyingCTE: Bool { get }
    /// Query returning the schema an unqualified table name means: the schema where that table already
    /// is (found through `search_path`), else the current schema. Nil when the database has no schemas.
    func schemaQuery(forTable name: String) -> String?
}

extension SQLDialect {
    /// `"name"` with inner quotes doubled.
    public func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    /// `'text'` with inner quotes doubled (standard SQL string literal).
    public func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
    public func literal(_ text: String?) -> String { text.map { literal($0) } ?? "NULL" }
    public func qualified(_ name: QualifiedName) -> String {
        if supportsSchemas, let schema = name.schema, !schema.isEmpty { return quote(schema) + "." + quote(name.name) }
        return quote(name.name)
    }
}
