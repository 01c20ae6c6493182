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
    /// Query returning one row whose first value is "1" when `table` (unqualified) exists either as its name finds it
    /// or in the schema `schemaQuery` (see ``schemaQuery(forTable:)``) pins it to: both existence checks of a run's
    /// setup in one round trip. Nil when the dialect has none (the two are then asked one after the other).
    func tableExistsQuery(_ table: QualifiedName, orPinnedBy schemaQuery: String) -> String?
    /// Wraps a transactional section's statements (and Strata's bookkeeping after them) into one statement that
    /// runs them in order, in the calling transaction, with `lockTimeout` set for that transaction. Nil when the
    /// dialect runs statements one by one (the default).
    func batch(_ statements: [String], lockTimeout: Duration?) -> SQLBatch?
    /// Like ``batch(_:lockTimeout:)`` for several migrations of one transaction (a `--single-transaction` run):
    /// `groups` holds each migration's statements, and the batch notes when it started and when each group ended,
    /// which ``batchEndsQuery`` reads back in the same transaction. Nil when the dialect runs statements one by one.
    func batch(groups: [[String]], lockTimeout: Duration?) -> SQLBatch?
    /// Query returning one row whose first value lists, comma-separated, the clock in microseconds at the start
    /// of the last ``batch(groups:lockTimeout:)`` and at the end of each of its groups.
    var batchEndsQuery: String? { get }
    /// Statement that lets the current transaction's commit return before its log is flushed to disk, or nil.
    /// Only for Strata's history tables, created in a transaction of their own before a run: the run's own
    /// (durable) commit flushes the log after them, and tables lost in a crash are created again by the next run.
    var deferredFlushCommit: String? { get }
    /// Three SQL expressions: the session's `statement_timeout` ("0" when there is none), its
    /// `default_transaction_isolation`, and whether any deferrable constraint exists ("true"/"false"); nil when the
    /// dialect has no such settings (what batching depends on, see ``batch(_:lockTimeout:)``). A run reads them in
    /// the query that looks for its history tables under the lock (``batchSettingsQuery`` asks them alone).
    var batchSettingsColumns: [String]? { get }
    /// SQL expression for the milliseconds since the current transaction began (the history's `duration_ms` of a
    /// batched migration), or nil.
    var transactionElapsedMilliseconds: String? { get }
    /// SQL expression for the wall-clock time now, even inside a transaction (the `finished_at` of a batched
    /// migration's event), or nil.
    var clockNow: String? { get }
    /// Statement that checks the transaction's deferred constraints now, or nil. A batched migration in its own
    /// transaction ends with it when deferrable constraints exist: one that fails then fails inside the batch, as
    /// that migration's failure, instead of at the implicit COMMIT after the batch's answer, which postgres-nio reads
    /// as a protocol error (it closes the connection after reporting the statement as done).
    var checkDeferredConstraints: String? { get }
}

extension SQLDialect {
    public func batch(_ statements: [String], lockTimeout: Duration?) -> SQLBatch? { nil }
    public func batch(groups: [[String]], lockTimeout: Duration?) -> SQLBatch? { nil }
    public var batchEndsQuery: String? { nil }
    public var checkDeferredConstraints: String? { nil }
    public var batchSettingsColumns: [String]? { nil }
    /// ``batchSettingsColumns`` as a query of their own.
    public var batchSettingsQuery: String? { batchSettingsColumns.map { "SELECT " + $0.joined(separator: ", ") } }
    public func tableExistsQuery(_ table: QualifiedName, orPinnedBy schemaQuery: String) -> String? { nil }
    public var deferredFlushCommit: String? { nil }
    public var transactionElapsedMilliseconds: String? { nil }
    public var clockNow: String? { nil }
}

extension SQLDialect {
    /// `"name"` with inner quotes doubled.
    public func quote(_ identifier: String) -> String {
        "\"" + SQLText.doubling(34, in: identifier) + "\""
    }
    /// `'text'` with inner quotes doubled (standard SQL string literal).
    public func literal(_ text: String) -> String {
        "'" + SQLText.doubling(39, in: text) + "'"
    }
    public func literal(_ text: String?) -> String { text.map { literal($0) } ?? "NULL" }
    public func qualified(_ name: QualifiedName) -> String {
        if supportsSchemas, let schema = name.schema, !schema.isEmpty { return quote(schema) + "." + quote(name.name) }
        return quote(name.name)
    }
}

/// Byte-level text helpers for SQL generation (Foundation's string search is slow on Linux, and a run of 10,000
/// migrations builds these strings for every one).
public enum SQLText {
    /// `text` with every byte `quote` (an ASCII quote character) doubled.
    public static func doubling(_ quote: UInt8, in text: String) -> String {
        guard text.utf8.contains(quote) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 8)
        for b in text.utf8 {
            bytes.append(b)
            if b == quote { bytes.append(b) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `text` contains `needle` (compared byte by byte).
    public static func contains(_ text: String, _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard let first = n.first else { return true }
        return text.utf8.withContiguousStorageIfAvailable { h -> Bool in
            guard h.count >= n.count else { return false }
            var i = 0
            let last = h.count - n.count
            while i <= last {
                if h[i] == first {
                    var j = 1
                    while j < n.count && h[i + j] == n[j] { j += 1 }
                    if j == n.count { return true }
                }
                i += 1
            }
            return false
        } ?? text.contains(needle)
    }
}
