import Foundation
import StrataCore
import StrataSafety

/// What `strata squash` built: the baseline's SQL, checked against the migrations it replaces.
public struct SquashBaseline: Sendable {
    /// The baseline's up section (the cleaned `pg_dump`).
    public var sql: String
    /// The whole baseline file (``SquashFiles/baselineText(sql:squashed:through:tool:date:)``): the text checked on the
    /// second scratch database is the text written.
    public var fileText: String
    /// The migrations it stands for, in order.
    public var squashed: [Migration]
    /// `pg_dump --schema-only` of a database built by the migrations equals that of one built by the baseline.
    public var schemaMatches: Bool
    /// Lines only in one of the two dumps (empty when they match).
    public var differences: [String]
    /// The `pg_dump` used.
    public var tool: String
}

/// Builds a baseline for every migration up to a version, on scratch databases of the target's server:
/// one migrated by the original files, dumped with `pg_dump`; a second built from that dump; both dumped again and
/// compared. Only files are written by the caller; the target database itself is never touched.
///
/// ```swift
/// let squasher = Squasher(server: target, makeDriver: Drivers.driver(for:), migrationsTable: m, eventsTable: e)
/// let baseline = try await squasher.build(migrations: all, through: MigrationVersion("20260101120000")!, referenceTables: ["countries"])
/// print(baseline.schemaMatches)
/// ```
public struct Squasher: Sendable {
    public let server: PostgresTarget
    public let makeDriver: @Sendable (DatabaseTarget) -> any DatabaseDriver
    public let migrationsTable: QualifiedName
    public let eventsTable: QualifiedName
    /// Recorded as `strata_version` in the scratch databases' history.
    public var strataVersion = "unknown"
    /// Called with a line of progress ("migrating a scratch database…").
    public var progress: @Sendable (String) -> Void = { _ in }

    public init(server: PostgresTarget, makeDriver: @escaping @Sendable (DatabaseTarget) -> any DatabaseDriver,
                migrationsTable: QualifiedName, eventsTable: QualifiedName) {
        self.server = server
        self.makeDriver = makeDriver
        self.migrationsTable = migrationsTable
        self.eventsTable = eventsTable
    }

    public func build(migrations: [Migration], through: MigrationVersion, referenceTables: [String]) async throws -> SquashBaseline {
        let squashed = migrations.filter { !$0.isRepeatable && $0.version <= through }.sorted { $0.version < $1.version }
        let scratch = ScratchDatabases(server: server, makeDriver: makeDriver)
        let driver = makeDriver(.postgres(server))
        let version = try await driver.withSession { try await driver.serverVersion(on: $0) }
        guard let major = PostgresTools.majorVersion(fromServerVersion: version) else {
            throw SquashError("cannot read the server's major version from \(version)")
        }
        let tools = try await PostgresTools.locate(serverMajor: major)
        let original = try await scratch.create("a")
        var rebuilt: PostgresTarget?
        do {
            progress("applying \(squashed.count) migration\(squashed.count == 1 ? "" : "s") to a scratch database")
            try await migrate(original, squashed)
            let tables = try await userTables(original)
            let unknown = referenceTables.filter { r in !tables.contains { $0 == r || $0.hasSuffix("." + r) } }
            if !unknown.isEmpty {
                throw SquashError("--data \(unknown.joined(separator: ", ")): no such table after the squashed migrations (tables: \(tables.joined(separator: ", ")))")
            }
            let excludeData = tables.filter { t in !referenceTables.contains { t == $0 || t.hasSuffix("." + $0) } }
            let history = [migrationsTable, eventsTable]
            let dump = try await tools.command(tools.pgDump, SchemaDump.arguments(schemaOnly: referenceTables.isEmpty, exclude: history,
                                                                                    excludeData: excludeData.map(Self.quotedPattern)),
                                               target: original).runChecked().stdout
            let sql = SchemaDump.baselineSQL(fromDump: dump)

            progress("checking the baseline on a second scratch database")
            let second = try await scratch.create("b")
            rebuilt = second
            let toolName = "pg_dump (PostgreSQL) \(tools.major)"
            let text = SquashFiles.baselineText(sql: sql, squashed: squashed, through: through, tool: toolName)
            let baseline = try await InMemorySource(files: ["\(through.digits)_baseline.sql": text]).migrations()
            try await migrate(second, baseline)
            let schemaArgs = SchemaDump.arguments(schemaOnly: true, exclude: history, excludeData: [])
            let a = SchemaDump.comparable(try await tools.command(tools.pgDump, schemaArgs, target: original).runChecked().stdout)
            let b = SchemaDump.comparable(try await tools.command(tools.pgDump, schemaArgs, target: second).runChecked().stdout)
            var differences = Self.difference(a, b, left: "migrations", right: "baseline")
            for table in referenceTables {
                let dataArgs = ["--no-password", "--data-only", "--column-inserts", "--table=" + table]
                let x = try await tools.command(tools.pgDump, dataArgs, target: original).runChecked().stdout
                let y = try await tools.command(tools.pgDump, dataArgs, target: second).runChecked().stdout
                differences += Self.difference(SchemaDump.comparable(x), SchemaDump.comparable(y), left: "migrations", right: "baseline")
            }
            await scratch.drop(original)
            await scratch.drop(second)
            return SquashBaseline(sql: sql, fileText: text, squashed: squashed, schemaMatches: differences.isEmpty, differences: differences,
                                  tool: toolName)
        } catch {
            await scratch.drop(original)
            if let rebuilt { await scratch.drop(rebuilt) }
            throw error
        }
    }

    func migrate(_ target: PostgresTarget, _ migrations: [Migration]) async throws {
        let migrator = Migrator(driver: makeDriver(.postgres(target)), migrationsTable: migrationsTable, eventsTable: eventsTable,
                                context: RunContext(strataVersion: strataVersion))
        _ = try await migrator.run(.up(to: nil), migrations: migrations, options: RunOptions())
    }

    /// `schema.table` of every ordinary or partitioned user table.
    func userTables(_ target: PostgresTarget) async throws -> [String] {
        let driver = makeDriver(.postgres(target))
        return try await driver.withSession { s in
            try await s.query("""
                SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
                ORDER BY 1
                """).compactMap { $0[0] }
        }
    }

    static func quotedPattern(_ qualified: String) -> String {
        let parts = qualified.split(separator: ".", maxSplits: 1).map(String.init)
        return SchemaDump.pattern(QualifiedName(schema: parts.count == 2 ? parts[0] : nil, name: parts.last ?? qualified))
    }

    /// Lines in only one of two dumps, marked `-` (left only) or `+` (right only).
    static func difference(_ a: [String], _ b: [String], left: String, right: String) -> [String] {
        var counts: [String: Int] = [:]
        for l in a { counts[l, default: 0] += 1 }
        for l in b { counts[l, default: 0] -= 1 }
        return counts.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { ($0.value > 0 ? "- (\(left) only) " : "+ (\(right) only) ") + $0.key }
    }
}

/// `strata squash` cannot go on; nothing was written.
public struct SquashError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
