import Foundation
import Synchronization

/// The history tables (`strata_migrations` and the `strata_events` audit log), with SQL written through a ``SQLDialect``.
///
/// Every write is returned as SQL text rather than run directly, so the runner executes exactly
/// what `--dry-run` prints.
///
/// ```swift
/// let store = HistoryStore(dialect: driver.dialect, migrations: .init(schema: "public", name: "strata_migrations"),
///                          events: .init(schema: "public", name: "strata_events"))
/// for sql in store.createStatements() { try await session.execute(sql) }
/// let rows = try await store.applied(on: session)
/// ```
public struct HistoryStore: Sendable {
    public let dialect: any SQLDialect
    public let migrationsTable: QualifiedName
    public let eventsTable: QualifiedName

    /// Schemas named in the configuration, created when missing (never the session's own schema).
    let configuredSchemas: [String]
    /// The tables' names as SQL, quoted once.
    private let qualifiedMigrations: String
    private let qualifiedEvents: String

    public init(dialect: any SQLDialect, migrations: QualifiedName, events: QualifiedName) {
        self.dialect = dialect
        self.migrationsTable = migrations
        self.eventsTable = events
        self.qualifiedMigrations = dialect.qualified(migrations)
        self.qualifiedEvents = dialect.qualified(events)
        var schemas: [String] = []
        for s in [migrations.schema, events.schema].compactMap({ $0 }) where !schemas.contains(s) { schemas.append(s) }
        self.configuredSchemas = schemas
    }

    private init(dialect: any SQLDialect, migrations: QualifiedName, events: QualifiedName, configuredSchemas: [String]) {
        self.dialect = dialect
        self.migrationsTable = migrations
        self.eventsTable = events
        self.qualifiedMigrations = dialect.qualified(migrations)
        self.qualifiedEvents = dialect.qualified(events)
        self.configuredSchemas = configuredSchemas
    }

    /// The same store with unqualified table names pinned to the session's current schema, so a migration
    /// that changes `search_path` cannot send Strata's own writes elsewhere.
    public func bound(to session: any DatabaseSession) async throws -> HistoryStore {
        try await bind(on: session, checkingExistence: false).store
    }

    /// ``bound(to:)`` and ``exists(on:)`` in one round trip: a run's setup asks both, before anything else.
    ///
    /// ```swift
    /// let (store, exists) = try await HistoryStore(dialect: d, migrations: m, events: e).boundAndExists(on: session)
    /// if !exists { for sql in store.createStatements() { try await session.execute(sql) } }
    /// ```
    public func boundAndExists(on session: any DatabaseSession) async throws -> (store: HistoryStore, exists: Bool) {
        let (store, exists, _) = try await boundAndExists(on: session, reading: [])
        return (store, exists)
    }

    /// ``boundAndExists(on:)``, and the values of `expressions` (SQL expressions, such as the dialect's
    /// ``SQLDialect/batchSettingsColumns``) read in the same round trip; `values` is empty when the query returned no row.
    public func boundAndExists(on session: any DatabaseSession, reading expressions: [String]) async throws
        -> (store: HistoryStore, exists: Bool, values: [String?]) {
        let found = try await bind(on: session, checkingExistence: true, reading: expressions)
        if found.exists == true || found.pinnedChecked { return (found.store, found.exists == true, found.values) }
        // Not found through `search_path`; the pinned name may still name it (no schema of `search_path` exists and
        // the history was written to `public`): ask once more by that name, unless the dialect asked both at once.
        if found.store.migrationsTable != migrationsTable { return (found.store, try await found.store.exists(on: session), found.values) }
        return (found.store, false, found.values)
    }

    /// One query holding, as scalar subqueries, the existence check (on the name as configured: an unqualified name
    /// found through `search_path` is in the schema the schema query pins it to) and the schema query of each
    /// unqualified table.
    /// `pinnedChecked`: the existence check also looked in the schema the unqualified name is pinned to (see
    /// ``SQLDialect/tableExistsQuery(_:orPinnedBy:)``).
    private func bind(on session: any DatabaseSession, checkingExistence: Bool, reading expressions: [String] = []) async throws
        -> (store: HistoryStore, exists: Bool?, pinnedChecked: Bool, values: [String?]) {
        var parts: [String] = []
        let pinM = migrationsTable.schema == nil ? dialect.schemaQuery(forTable: migrationsTable.name) : nil
        let pinE = eventsTable.schema == nil ? dialect.schemaQuery(forTable: eventsTable.name) : nil
        var pinnedChecked = false
        if checkingExistence {
            if let pinM, let both = dialect.tableExistsQuery(migrationsTable, orPinnedBy: pinM) {
                parts.append(both)
                pinnedChecked = true
            } else {
                parts.append(dialect.tableExistsQuery(migrationsTable))
            }
        }
        for q in [pinM, pinE] { if let q { parts.append(q) } }
        parts += expressions
        if parts.isEmpty { return (self, nil, false, []) }
        let sql = parts.count == 1 ? parts[0] : "SELECT " + parts.map { "(\($0))" }.joined(separator: ", ")
        guard let row = try await session.query(sql).first else { return (self, checkingExistence ? false : nil, pinnedChecked, []) }
        var column = 0
        func next() -> String? {
            defer { column += 1 }
            return row[column]
        }
        let exists = checkingExistence ? next() == "1" : nil
        func pinned(_ table: QualifiedName, _ query: String?) -> QualifiedName {
            guard query != nil, let schema = next(), !schema.isEmpty else { return table }
            return QualifiedName(schema: schema, name: table.name)
        }
        let m = pinned(migrationsTable, pinM), e = pinned(eventsTable, pinE)
        let values = expressions.map { _ in next() }
        if m == migrationsTable && e == eventsTable { return (self, exists, pinnedChecked, values) }
        return (HistoryStore(dialect: dialect, migrations: m, events: e, configuredSchemas: configuredSchemas), exists, pinnedChecked, values)
    }

    private var m: String { qualifiedMigrations }
    private var e: String { qualifiedEvents }

    /// Idempotent DDL creating the schema (when one is set) and both tables.
    public func createStatements() -> [String] {
        let d = dialect
        var sql: [String] = []
        for schema in configuredSchemas { if let s = d.createSchema(schema) { sql.append(s) } }
        sql.append("""
        CREATE TABLE IF NOT EXISTS \(m) (
            version \(d.textType) PRIMARY KEY,
            name \(d.textType) NOT NULL,
            checksum \(d.textType) NOT NULL,
            applied_at \(d.timestampType) NOT NULL,
            duration_ms \(d.bigintType) NOT NULL DEFAULT 0,
            applied_by \(d.textType) NOT NULL,
            host \(d.textType) NOT NULL,
            strata_version \(d.textType) NOT NULL,
            state \(d.textType) NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'dirty')),
            failed_statement integer,
            failed_direction \(d.textType)
        )
        """)
        sql.append("""
        CREATE TABLE IF NOT EXISTS \(e) (
            id \(d.identityColumn),
            run_id \(d.textType) NOT NULL,
            version \(d.textType),
            direction \(d.textType) NOT NULL,
            outcome \(d.textType) NOT NULL,
            started_at \(d.timestampType) NOT NULL,
            finished_at \(d.timestampType) NOT NULL,
            error \(d.textType),
            environment \(d.textType),
            host \(d.textType) NOT NULL,
            "user" \(d.textType) NOT NULL
        )
        """)
        return sql
    }

    /// Whether the migrations table exists yet (absent before the first run).
    public func exists(on session: any DatabaseSession) async throws -> Bool {
        try await session.query(dialect.tableExistsQuery(migrationsTable)).first?[0] == "1"
    }

    /// Every row of the migrations table; empty when the table does not exist yet.
    public func applied(on session: any DatabaseSession) async throws -> [AppliedMigration] {
        guard try await exists(on: session) else { return [] }
        return try await rows(on: session, full: true)
    }

    /// What planning needs of the history, for a run that already made sure the table exists: version, name,
    /// checksum, state and the failure marker of each row, in version order. Timestamps and provenance are left out
    /// (`appliedAt` is the epoch, `appliedBy`, `host` and `strataVersion` are empty): a no-op `up` over 10,000
    /// applied migrations spent a third of its time receiving and decoding them. Use ``applied(on:)`` to show rows.
    public func planningRows(on session: any DatabaseSession) async throws -> [AppliedMigration] {
        try await rows(on: session, full: false)
    }

    /// The history rows in version order; without `full`, the server sends NULL for timestamps and provenance.
    private func rows(on session: any DatabaseSession, full: Bool) async throws -> [AppliedMigration] {
        let provenance = full ? "\(dialect.timestampText("applied_at")), duration_ms, applied_by, host, strata_version" : "NULL, NULL, NULL, NULL, NULL"
        // Each row becomes an AppliedMigration as it arrives (over 10,000 rows, collecting them first doubled the memory).
        let collected = Mutex<[AppliedMigration]>([])
        try await session.forEachRow("""
            SELECT version, name, checksum, \(provenance), state, failed_statement, failed_direction FROM \(m)
            """) { r in
            guard let v = r[0].flatMap(MigrationVersion.init) else { return }
            let row = AppliedMigration(version: v, name: r[1] ?? "", checksum: r[2] ?? "", appliedAt: Timestamps.parse(r[3]) ?? Date(timeIntervalSince1970: 0),
                                       durationMs: Int64(r[4] ?? "") ?? 0, appliedBy: r[5] ?? "", host: r[6] ?? "", strataVersion: r[7] ?? "",
                                       state: AppliedState(rawValue: r[8] ?? "") ?? .applied, failedStatement: r[9].flatMap { Int($0) },
                                       failedDirection: r[10].flatMap { MigrationDirection(rawValue: $0) })
            collected.withLock { $0.append(row) }
        }
        return collected.withLock { $0 }.inVersionOrder()
    }

    /// The newest events, newest first.
    public func events(on session: any DatabaseSession, limit: Int) async throws -> [MigrationEvent] {
        guard try await session.query(dialect.tableExistsQuery(eventsTable)).first?[0] == "1" else { return [] }
        let rows = try await session.query("""
            SELECT run_id, version, direction, outcome, \(dialect.timestampText("started_at")), \(dialect.timestampText("finished_at")), error, environment, host, "user"
            FROM \(e) ORDER BY id DESC LIMIT \(max(1, limit))
            """)
        return rows.map { r in
            MigrationEvent(runID: r[0] ?? "", version: r[1].flatMap(MigrationVersion.init), direction: MigrationEvent.Direction(rawValue: r[2] ?? "") ?? .up,
                           outcome: MigrationEvent.Outcome(rawValue: r[3] ?? "") ?? .ok, startedAt: Timestamps.parse(r[4]) ?? Date(timeIntervalSince1970: 0),
                           finishedAt: Timestamps.parse(r[5]) ?? Date(timeIntervalSince1970: 0), error: r[6], environment: r[7], host: r[8] ?? "", user: r[9] ?? "")
        }
    }

    // MARK: writes, as SQL text

    /// Records `row`; `applied_at` is the server's transaction time. `durationSQL`, when given, is the SQL
    /// expression stored as `duration_ms` instead of `row.durationMs`.
    public func insert(_ row: AppliedMigration, durationSQL: String? = nil) -> String {
        "INSERT INTO \(m) \(Self.rowColumns) VALUES \(values(row, durationSQL: durationSQL))\(row.version.isRepeatable ? rerun : "")"
    }

    /// Records several rows in one statement (a run in one transaction records its migrations at the end).
    /// Every version must differ. Rows of repeatable migrations replace the ones stored: give them a statement of
    /// their own, or a numbered row that is already there would be overwritten too.
    public func insert(_ rows: [AppliedMigration]) -> String {
        let tuples = rows.map { values($0, durationSQL: nil) }.joined(separator: ", ")
        return "INSERT INTO \(m) \(Self.rowColumns) VALUES \(tuples)\(rows.contains { $0.version.isRepeatable } ? rerun : "")"
    }

    private static let rowColumns = "(version, name, checksum, applied_at, duration_ms, applied_by, host, strata_version, state, failed_statement, failed_direction)"

    private func values(_ row: AppliedMigration, durationSQL: String?) -> String {
        let d = dialect
        return """
        (\(d.literal(row.version.digits)), \(d.literal(row.name)), \(d.literal(row.checksum)), \(d.now), \(durationSQL ?? String(row.durationMs)), \
        \(d.literal(row.appliedBy)), \(d.literal(row.host)), \(d.literal(row.strataVersion)), \(d.literal(row.state.rawValue)), \
        \(row.failedStatement.map(String.init) ?? "NULL"), \(row.state == .dirty ? d.literal("up") : "NULL"))
        """
    }

    /// A repeatable migration runs again when its checksum changes: its row is then replaced.
    private var rerun: String {
        " ON CONFLICT (version) DO UPDATE SET " + ["name", "checksum", "applied_at", "duration_ms", "applied_by", "host", "strata_version", "state",
                                                   "failed_statement", "failed_direction"].map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
    }

    /// Marks the row dirty at statement `index` (1-based) of the `direction` section.
    public func markDirty(_ version: MigrationVersion, statement index: Int, direction: MigrationDirection) -> String {
        "UPDATE \(m) SET state = 'dirty', failed_statement = \(index), failed_direction = \(dialect.literal(direction.rawValue)) WHERE \(matches(version))"
    }

    public func markApplied(_ version: MigrationVersion, durationMs: Int64) -> String {
        "UPDATE \(m) SET state = 'applied', failed_statement = NULL, failed_direction = NULL, applied_at = \(dialect.now), duration_ms = \(durationMs) WHERE \(matches(version))"
    }

    public func setChecksum(_ version: MigrationVersion, checksum: String) -> String {
        "UPDATE \(m) SET checksum = \(dialect.literal(checksum)) WHERE \(matches(version))"
    }

    /// Matches a version numerically (`0001` and `1` are the same migration), in both dialects.
    private func matches(_ version: MigrationVersion) -> String {
        if version.isRepeatable || version.isDotted { return "version = \(dialect.literal(version.digits))" }
        return "ltrim(version, '0') = \(dialect.literal(version.isZero ? "" : version.canonical))"
    }

    public func delete(_ version: MigrationVersion) -> String {
        "DELETE FROM \(m) WHERE \(matches(version))"
    }

    /// A history write and its event: one statement where the dialect allows (one round trip less per migration).
    /// `finishedSQL`, when given, is the SQL expression stored as the event's `finished_at`.
    public func combined(_ write: String, with event: MigrationEvent, finishedSQL: String? = nil) -> [String] {
        guard dialect.supportsDataModifyingCTE else { return [write, insert(event, finishedSQL: finishedSQL)] }
        return [combined(write, withEvents: insert(event, finishedSQL: finishedSQL))]
    }

    /// A write to the migrations table and an insert of events (``insert(_:)-([MigrationEvent])``) as one statement,
    /// for a dialect with data-modifying `WITH` (``SQLDialect/supportsDataModifyingCTE``).
    func combined(_ write: String, withEvents eventsInsert: String) -> String {
        "WITH recorded AS (\(write) RETURNING 1) \(eventsInsert)"
    }

    public func insert(_ event: MigrationEvent, finishedSQL: String? = nil) -> String {
        "INSERT INTO \(e) \(Self.eventColumns) VALUES \(values(event, finishedSQL: finishedSQL))"
    }

    /// Records several events in one statement, in order.
    public func insert(_ events: [MigrationEvent]) -> String {
        "INSERT INTO \(e) \(Self.eventColumns) VALUES \(events.map { values($0, finishedSQL: nil) }.joined(separator: ", "))"
    }

    /// Removes several versions' rows in one statement (matched as ``delete(_:)-(MigrationVersion)`` matches one).
    public func delete(_ versions: [MigrationVersion]) -> String {
        let exact = versions.filter { $0.isRepeatable || $0.isDotted }.map { dialect.literal($0.digits) }
        let numeric = versions.filter { !$0.isRepeatable && !$0.isDotted }.map { dialect.literal($0.isZero ? "" : $0.canonical) }
        var terms: [String] = []
        if !numeric.isEmpty { terms.append("ltrim(version, '0') IN (\(numeric.joined(separator: ", ")))") }
        if !exact.isEmpty { terms.append("version IN (\(exact.joined(separator: ", ")))") }
        return "DELETE FROM \(m) WHERE " + (terms.isEmpty ? "false" : terms.joined(separator: " OR "))
    }

    private static let eventColumns = #"(run_id, version, direction, outcome, started_at, finished_at, error, environment, host, "user")"#

    private func values(_ event: MigrationEvent, finishedSQL: String?) -> String {
        let d = dialect
        return """
        (\(d.literal(event.runID)), \(d.literal(event.version?.digits)), \(d.literal(event.direction.rawValue)), \
        \(d.literal(event.outcome.rawValue)), \(d.literal(Timestamps.format(event.startedAt))), \(finishedSQL ?? d.literal(Timestamps.format(event.finishedAt))), \
        \(d.literal(event.error)), \(d.literal(event.environment)), \(d.literal(event.host)), \(d.literal(event.user)))
        """
    }
}

/// ISO-8601 timestamps with milliseconds, UTC, as stored and printed by Strata.
public enum Timestamps {
    public static func format(_ date: Date) -> String {
        // Civil-from-days arithmetic (proleptic Gregorian, UTC): Foundation's formatter costs tens of
        // microseconds per call, and every migration's history row and event carry timestamps.
        // Milliseconds truncated from the fractional second, as Foundation's formatter does.
        let t = date.timeIntervalSince1970
        let whole = t.rounded(.down)
        let totalMs = Int64(whole) * 1000 + min(999, Int64(((t - whole) * 1000).rounded(.down)))
        var days = totalMs >= 0 ? totalMs / 86_400_000 : (totalMs - 86_399_999) / 86_400_000
        let msOfDay = totalMs - days * 86_400_000
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        guard (0...9999).contains(year) else {
            return date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
        }
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func put(_ v: Int64, _ width: Int) {
            var digits = [UInt8](repeating: 48, count: width)
            var x = v
            for i in stride(from: width - 1, through: 0, by: -1) { digits[i] = UInt8(48 + x % 10); x /= 10 }
            out.append(contentsOf: digits)
        }
        put(year, 4); out.append(45); put(month, 2); out.append(45); put(day, 2); out.append(84)
        put(msOfDay / 3_600_000, 2); out.append(58); put(msOfDay / 60_000 % 60, 2); out.append(58); put(msOfDay / 1000 % 60, 2)
        out.append(46); put(msOfDay % 1000, 3); out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    public static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        if let d = parseFixed(text) { return d }
        if let d = try? Date(text, strategy: .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted)) { return d }
        return try? Date(text, strategy: .iso8601)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff]Z` read with arithmetic: history tables hold one per migration, and a
    /// no-op run over 10,000 applied migrations reads them all.
    static func parseFixed(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b.last == 90 else { return nil }
        func num(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                let d = Int(b[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let sec = num(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        var fraction = 0.0
        if b.count > 20 {
            guard b[19] == 46, b.count - 21 >= 1, b.count - 21 <= 9, let f = num(20, b.count - 21) else { return nil }
            fraction = Double(f) / pow(10, Double(b.count - 21))
        } else if b[19] != 90 {
            return nil
        }
        // Days from the civil date (Howard Hinnant's algorithm), then seconds since 1970.
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = Double(days * 86_400 + h * 3600 + mi * 60 + sec) + fraction
        return Date(timeIntervalSince1970: seconds)
    }
}
