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
    public func tableExistsQuery(_ table: QualifiedName, orPinnedBy schemaQuery: String) -> String? {
        """
        SELECT CASE WHEN to_regclass(\(literal(qualified(table)))) IS NULL \
        AND to_regclass(pg_catalog.quote_ident((\(schemaQuery))) || '.' || \(literal(quote(table.name)))) IS NULL THEN 0 ELSE 1 END
        """
    }
    public func createSchema(_ schema: String) -> String? { "CREATE SCHEMA IF NOT EXISTS \(quote(schema))" }
    public var supportsDataModifyingCTE: Bool { true }
    public func schemaQuery(forTable name: String) -> String? {
        """
        SELECT coalesce((SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
        WHERE c.oid = to_regclass(\(literal(quote(name))))), current_schema(), 'public')
        """
    }

    /// A `DO` block that `EXECUTE`s each statement in turn: one round trip for a whole migration. Each statement
    /// keeps its own text (between dollar quotes whose tag it does not contain) and its own line, so an error
    /// names the statement through the `PL/pgSQL function inline_code_block line N at EXECUTE` context.
    public func batch(_ statements: [String], lockTimeout: Duration?) -> SQLBatch? {
        block([statements], lockTimeout: lockTimeout, timed: false)
    }

    /// The same block for several migrations: after each one's statements it appends the clock (microseconds
    /// since the epoch) to a list that starts with the clock at the block's start, and leaves the list in the
    /// transaction-local setting `strata.batch_ends` for ``batchEndsQuery``.
    public func batch(groups: [[String]], lockTimeout: Duration?) -> SQLBatch? {
        block(groups, lockTimeout: lockTimeout, timed: true)
    }

    public var batchEndsQuery: String? { "SELECT pg_catalog.current_setting('strata.batch_ends', true)" }
    public var batchSettingsColumns: [String]? {
        ["pg_catalog.current_setting('statement_timeout')", "pg_catalog.current_setting('default_transaction_isolation')",
         "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE condeferrable)"]
    }
    public var deferredFlushCommit: String? { "SET LOCAL synchronous_commit = off" }

    private func block(_ groups: [[String]], lockTimeout: Duration?, timed: Bool) -> SQLBatch {
        let all = groups.flatMap { $0 }
        let inner = Self.freeTag("strata", avoiding: all)
        let outer = Self.freeTag("strata_batch", avoiding: all + [inner])
        let clock = "(extract(epoch FROM pg_catalog.clock_timestamp()) * 1000000)::bigint"
        var body = "\n"
        var line = 2
        if timed {
            body += "DECLARE strata_ends text := \(clock)::text;\n"
            line += 1
        }
        body += "BEGIN\n"
        line += 1
        var lines: [Int] = []
        lines.reserveCapacity(all.count)
        for group in groups {
            // Before each migration, as when its statements are sent one by one: a migration that changes
            // lock_timeout itself does not change it for the next.
            if let lockTimeout {
                body += "PERFORM pg_catalog.set_config('lock_timeout', '\(DurationText.milliseconds(lockTimeout))ms', true);\n"
                line += 1
            }
            for sql in group {
                lines.append(line)
                body += "EXECUTE \(inner)\n\(sql)\n\(inner);\n"
                line += 3 + sql.utf8.reduce(into: 0) { n, b in if b == 10 { n += 1 } }
            }
            if timed {
                body += "strata_ends := strata_ends || ',' || \(clock);\n"
                line += 1
            }
        }
        if timed { body += "PERFORM pg_catalog.set_config('strata.batch_ends', strata_ends, true);\n" }
        body += "END\n"
        return SQLBatch(sql: "DO \(outer)\(body)\(outer)", lines: lines, leadingCharacters: 1)
    }

    /// `$base$`, or `$base_N$` for the first N that none of `texts` contains.
    static func freeTag(_ base: String, avoiding texts: [String]) -> String {
        var tag = "$\(base)$"
        var n = 0
        while texts.contains(where: { SQLText.contains($0, tag) }) {
            n += 1
            tag = "$\(base)_\(n)$"
        }
        return tag
    }
    public var transactionElapsedMilliseconds: String? { "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint" }
    public var clockNow: String? { "clock_timestamp()" }
    public var checkDeferredConstraints: String? { "SET CONSTRAINTS ALL IMMEDIATE" }
}
