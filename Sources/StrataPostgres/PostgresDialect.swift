import StrataCore

/// Strata's bookkeeping SQL for PostgreSQL.
public struct PostgresDialect: SQLDialect {
    public init() {}
    public var name: String { "postgresql" }
    public var beginTransaction: String { "BEGIN" }
    public var supportsSchemas: Bool { true }

    private func settings(_ scope: String, statement: Duration?, lock: Duration?) -> [String] {
        var sql: [String] = []
        if let statement { sql.append("SET \(scope)statement_timeout = '\(DurationText.milliseconds(statement))ms'") }
        if let lock { sql.append("SET \(scope)lock_timeout = '\(DurationText.milliseconds(lock))ms'") }
        return sql
    }
    public func localTimeouts(statement: Duration?, lock: Duration?) -> [String] { settings("LOCAL ", statement: statement, lock: lock) }
    public var supportsTransactionLocalTimeouts: Bool { true }
    public func localTimeoutsReplacing(statement: Duration?, lock: Duration?) -> [String] {
        [statement.map { "SET LOCAL statement_timeout = '\(DurationText.milliseconds($0))ms'" } ?? "SET LOCAL statement_timeout TO DEFAULT",
         lock.map { "SET LOCAL lock_timeout = '\(DurationText.milliseconds($0))ms'" } ?? "SET LOCAL lock_timeout TO DEFAULT"]
    }
    public func sessionTimeouts(statement: Duration?, lock: Duration?) -> [String] { settings("", statement: statement, lock: lock) }
    public func resetSessionTimeouts(statement: Duration?, lock: Duration?) -> [String] {
        (statement == nil ? [] : ["RESET statement_timeout"]) + (lock == nil ? [] : ["RESET lock_timeout"])
    }
    public var now: String { "now()" }
    public func timestampText(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }
    public var textType: String { "text" }
    public var bigintType: String { "bigint" }
    public var timestampType: String { "timestamptz" }
    public var identityColumn: String { "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY" }
    public func tableExistsQuery(_ table: QualifiedName) -> String {
        "SELECT CASE WHEN to_regclass(\(literal(qualified(table)))) IS NULL THEN 0 ELSE 1 END"
    }
    public func createSchema(_ schema: String) -> String? { "CREATE SCHEMA IF NOT EXISTS \(quote(schema))" }
    public var supportsDataModifyingCTE: Bool { true }
    public func schemaQuery(forTable name: String) -> String? {
        """
        SELECT coalesce((SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
        WHERE c.oid = to_regclass(\(literal(quote(name))))), current_schema(), 'public')
        """
    }
}
