import Foundation
import StrataCore

/// Another tool's tracking table found in the database.
public struct ForeignTable: Sendable, Hashable, CustomStringConvertible {
    public var tool: ForeignTool
    /// Schema-qualified on PostgreSQL (the schema `search_path` resolved it to); bare on SQLite.
    public var table: QualifiedName
    public var description: String { "\(tool) (\(table))" }
}

/// What another tool's tracking table says is applied, read as the tool itself reads it.
public struct ForeignHistory: Sendable, Hashable {
    public enum Applied: Sendable, Hashable {
        /// Exactly these keys are applied (goose, dbmate, diesel, Knex): one row per migration.
        case keys([String])
        /// Every migration whose key is at or below this one is applied (golang-migrate's single row;
        /// drizzle's newest `created_at`; Alembic's head revision).
        case through(String)
        /// The table is there but records nothing applied.
        case nothing
    }
    public var source: ForeignTable
    public var applied: Applied
    /// golang-migrate's `dirty` flag.
    public var dirty: Bool
    /// Every key the table names (for drizzle and Alembic, also rows that are not the high-water mark).
    public var allKeys: [String]
    /// Rows read from the table.
    public var rowCount: Int
    /// Flyway's `flyway baseline` row: every version at or below this one counts as applied.
    public var baselineThrough: String?
    /// Flyway versions applied from their `B` (baseline) script: Strata records them in that form.
    public var baselineKeys: Set<String> = []
    /// Flyway repeatable migrations applied, by description, with the checksum Flyway recorded for the newest run.
    public var repeatables: [String: String] = [:]

    public init(source: ForeignTable, applied: Applied, dirty: Bool, allKeys: [String], rowCount: Int, baselineThrough: String? = nil,
                baselineKeys: Set<String> = [], repeatables: [String: String] = [:]) {
        self.source = source
        self.applied = applied
        self.dirty = dirty
        self.allKeys = allKeys
        self.rowCount = rowCount
        self.baselineThrough = baselineThrough
        self.baselineKeys = baselineKeys
        self.repeatables = repeatables
    }

    /// Whether the table records anything applied (or a failure): what makes `strata up` stop and point at `strata adopt`.
    public var recordsAnything: Bool { applied != .nothing || dirty || baselineThrough != nil || !repeatables.isEmpty }
}

/// Finds and reads other tools' tracking tables on one session (reads only).
enum ForeignHistoryReader {
    static func isPostgres(_ dialect: any SQLDialect) -> Bool { dialect.supportsSchemas }

    /// Every tracking table present: on PostgreSQL the one `search_path` resolves (and `drizzle.__drizzle_migrations`).
    static func detect(on session: any DatabaseSession, dialect: any SQLDialect) async throws -> [ForeignTable] {
        var names: [String] = []
        for tool in ForeignTool.allCases where tool != .sqitch && !names.contains(tool.tableName) { names.append(tool.tableName) }
        var found: [(name: String, table: QualifiedName)] = []
        if isPostgres(dialect) {
            // Every candidate in one round trip: `to_regclass` resolves each through `search_path` (NULL when absent).
            // Sqitch keeps its registry in the `sqitch` schema of the target database (on SQLite, in a separate file).
            var candidates: [(name: String, reg: String)] = []
            for name in names {
                if name == ForeignTool.drizzle.tableName { candidates.append((name, dialect.quote("drizzle") + "." + dialect.quote(name))) }
                candidates.append((name, dialect.quote(name)))
            }
            candidates.append((ForeignTool.sqitch.tableName, "sqitch." + ForeignTool.sqitch.tableName))
            let list = candidates.enumerated().map { "(\($0.offset), \(dialect.literal($0.element.reg)))" }.joined(separator: ", ")
            let rows = try await session.query("""
                SELECT v.i, n.nspname FROM (VALUES \(list)) AS v(i, reg) \
                JOIN pg_class c ON c.oid = to_regclass(v.reg) JOIN pg_namespace n ON n.oid = c.relnamespace
                """)
            var schemaOf: [Int: String] = [:]
            for row in rows { if let i = row[0].flatMap({ Int($0) }), let schema = row[1] { schemaOf[i] = schema } }
            for (i, candidate) in candidates.enumerated() {
                // The first candidate found for a name wins (drizzle's own schema before `search_path`).
                guard let schema = schemaOf[i], !found.contains(where: { $0.name == candidate.name }) else { continue }
                found.append((candidate.name, QualifiedName(schema: schema, name: candidate.name)))
            }
        } else {
            let list = names.map { dialect.literal($0) }.joined(separator: ", ")
            let rows = try await session.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (\(list))")
            let present = Set(rows.compactMap { $0[0] })
            for name in names where present.contains(name) { found.append((name, QualifiedName(schema: nil, name: name))) }
        }
        var tables: [ForeignTable] = []
        for (name, table) in found {
            if name == "schema_migrations" {
                // golang-migrate keeps (version bigint, dirty bool); dbmate (like Rails) only a version column.
                let columns = try await self.columns(of: table, on: session, dialect: dialect)
                guard columns.contains("version") else { continue }
                tables.append(ForeignTable(tool: columns.contains("dirty") ? .golangMigrate : .dbmate, table: table))
            } else if table.schema == "sqitch" && name == ForeignTool.sqitch.tableName {
                tables.append(ForeignTable(tool: .sqitch, table: table))
            } else if let tool = ForeignTool.allCases.first(where: { $0.tableName == name }) {
                tables.append(ForeignTable(tool: tool, table: table))
            }
        }
        return tables
    }

    static func columns(of table: QualifiedName, on session: any DatabaseSession, dialect: any SQLDialect) async throws -> Set<String> {
        let sql = isPostgres(dialect)
            ? "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(\(dialect.literal(dialect.qualified(table)))) AND attnum > 0 AND NOT attisdropped"
            : "SELECT name FROM pragma_table_info(\(dialect.literal(table.name)))"
        return Set(try await session.query(sql).compactMap { $0[0]?.lowercased() })
    }

    /// Reads `source` by its tool's rules.
    static func read(_ source: ForeignTable, on session: any DatabaseSession, dialect: any SQLDialect) async throws -> ForeignHistory {
        let t = dialect.qualified(source.table)
        func texts(_ sql: String) async throws -> [[String?]] { try await session.query(sql).map(\.values) }
        switch source.tool {
        case .goose:
            // The newest row for a version decides (older goose wrote is_applied = false rows on down); 0 is goose's own first row.
            let rows = try await texts("SELECT version_id, CASE WHEN is_applied THEN 1 ELSE 0 END FROM \(t) ORDER BY id")
            var state: [String: Bool] = [:], order: [String] = []
            for r in rows {
                guard let v = r[0].flatMap({ $0 }) else { continue }
                if state[v] == nil { order.append(v) }
                state[v] = (r[1].flatMap { $0 }) == "1"
            }
            let keys = order.filter { state[$0] == true && MigrationVersion($0)?.isZero != true }
            return ForeignHistory(source: source, applied: keys.isEmpty ? .nothing : .keys(keys), dirty: false, allKeys: keys, rowCount: rows.count)
        case .golangMigrate:
            let rows = try await texts("SELECT version, CASE WHEN dirty THEN 1 ELSE 0 END FROM \(t)")
            let dirty = rows.contains { ($0[1].flatMap { $0 }) == "1" }
            let versions = rows.compactMap { $0[0].flatMap { $0 } }.filter { !$0.hasPrefix("-") }  // -1 is golang-migrate's "no version"
            let top = versions.max { AdoptionPlanner.ordered($0, atOrBelow: $1) && !AdoptionPlanner.same($0, $1) }
            return ForeignHistory(source: source, applied: top.map { .through($0) } ?? .nothing, dirty: dirty, allKeys: versions, rowCount: rows.count)
        case .dbmate, .diesel:
            let rows = try await texts("SELECT version FROM \(t)")
            let keys = rows.compactMap { $0[0].flatMap { $0 } }
            return ForeignHistory(source: source, applied: keys.isEmpty ? .nothing : .keys(keys), dirty: false, allKeys: keys, rowCount: rows.count)
        case .drizzle:
            // drizzle runs every journal entry whose `when` is newer than the newest created_at.
            let rows = try await texts("SELECT created_at FROM \(t)")  // drizzle's SQLite table has `id SERIAL`, which SQLite leaves NULL
            let keys = rows.compactMap { $0[0].flatMap { $0 } }.map(integerText)
            let top = keys.max { (Int64($0) ?? 0) < (Int64($1) ?? 0) }
            return ForeignHistory(source: source, applied: top.map { .through($0) } ?? .nothing, dirty: false, allKeys: keys, rowCount: rows.count)
        case .flyway:
            return try await readFlyway(source, rows: texts("SELECT version, description, type, checksum, CASE WHEN success THEN 1 ELSE 0 END FROM \(t) ORDER BY installed_rank"))
        case .sqitch:
            let rows = try await texts("SELECT change, project FROM \(t) ORDER BY committed_at, change_id")
            let projects = Set(rows.compactMap { $0[1].flatMap { $0 } })
            guard projects.count <= 1 else {
                throw AdoptError(.unmatchable, "\(source.table) holds changes of several Sqitch projects (\(projects.sorted().joined(separator: ", "))); "
                                 + "Strata adopts one project's registry at a time. Nothing was recorded.")
            }
            let keys = rows.compactMap { $0[0].flatMap { $0 } }
            return ForeignHistory(source: source, applied: keys.isEmpty ? .nothing : .keys(keys), dirty: false, allKeys: keys, rowCount: rows.count)
        case .knex:
            let rows = try await texts("SELECT name FROM \(t) ORDER BY id")
            let keys = rows.compactMap { $0[0].flatMap { $0 } }
            return ForeignHistory(source: source, applied: keys.isEmpty ? .nothing : .keys(keys), dirty: false, allKeys: keys, rowCount: rows.count)
        case .alembic:
            let rows = try await texts("SELECT version_num FROM \(t)")
            let keys = rows.compactMap { $0[0].flatMap { $0 } }
            let applied: ForeignHistory.Applied = keys.count == 1 ? .through(keys[0]) : keys.isEmpty ? .nothing : .keys(keys)
            return ForeignHistory(source: source, applied: applied, dirty: false, allKeys: keys, rowCount: rows.count)
        }
    }

    /// `flyway_schema_history` as Flyway reads it, in `installed_rank` order: `SQL` (and other) rows apply a version,
    /// `UNDO_*` and `DELETE` rows take it back, a `BASELINE` row stands for every version up to its own, `*_BASELINE`
    /// rows record a version applied from its `B` script, rows without a version are repeatables (the newest checksum
    /// counts), a row with `success = false` is a failed migration (dirty until `flyway repair`).
    static func readFlyway(_ source: ForeignTable, rows: [[String?]]) -> ForeignHistory {
        var state: [String: Bool] = [:], order: [String] = [], failed: [String] = []
        var baseline: String?, baselineKeys = Set<String>(), repeatables: [String: String] = [:]
        for r in rows {
            let version = r[0].flatMap { $0 }, description = r[1].flatMap { $0 } ?? ""
            let type = (r[2].flatMap { $0 } ?? "SQL").uppercased(), checksum = r[3].flatMap { $0 } ?? ""
            if (r[4].flatMap { $0 }) != "1" {
                failed.append(version ?? description)
                continue
            }
            if type == "SCHEMA" || type == "EMPTY" { continue }
            if type == "BASELINE" { baseline = version; continue }
            let remove = type.hasPrefix("UNDO") || type == "DELETE"
            guard let version else {
                if remove { repeatables[description] = nil } else { repeatables[description] = checksum }
                continue
            }
            if state[version] == nil { order.append(version) }
            state[version] = !remove
            if type.hasSuffix("_BASELINE") { baselineKeys.insert(version) } else if !remove { baselineKeys.remove(version) }
        }
        let keys = order.filter { state[$0] == true }
        return ForeignHistory(source: source, applied: keys.isEmpty ? .nothing : .keys(keys), dirty: !failed.isEmpty,
                              allKeys: failed.isEmpty ? keys : failed, rowCount: rows.count, baselineThrough: baseline,
                              baselineKeys: baselineKeys, repeatables: repeatables)
    }

    /// `1700000000000`, `1700000000000.0` or `1.7e12` (SQLite's numeric column) as integer text.
    static func integerText(_ text: String) -> String {
        if Int64(text) != nil { return text }
        if let d = Double(text), d.isFinite, d == d.rounded() { return String(Int64(d)) }
        return text
    }
}
