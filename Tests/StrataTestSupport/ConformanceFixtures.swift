import Foundation
import StrataKit
import Testing

/// The driver conformance suite: every ``DatabaseDriver`` must pass these against a real database.
/// Each function takes a factory yielding a fresh database and is called from an `@Test` in the
/// driver's own test target.
public enum Conformance {
    /// Three migrations in the single-file layout, SQL that SQLite and PostgreSQL both accept.
    static let standardFiles: [String: String] = [
        "0001_create_users.sql": """
            -- strata:up
            CREATE TABLE users (id integer primary key, email text not null);
            -- strata:down
            DROP TABLE users;
            """,
        "0002_create_posts.sql": """
            -- strata:up
            CREATE TABLE posts (id integer primary key, user_id integer, title text);
            -- strata:down
            DROP TABLE posts;
            """,
        "0003_create_tags.sql": """
            -- strata:up
            CREATE TABLE tags (id integer primary key, label text);
            CREATE INDEX tags_label ON tags (label);
            -- strata:down
            DROP TABLE tags;
            """,
    ]

    /// Migration 0003 whose third statement (on line 4) fails.
    static let failingThirdStatement = """
        -- strata:up
        CREATE TABLE tags (id integer primary key, label text);
        CREATE TABLE tag_links (tag_id integer, post_id integer);
        INSERT INTO no_such_table VALUES (1);
        CREATE TABLE never_created (id integer);
        -- strata:down
        DROP TABLE tag_links;
        DROP TABLE tags;
        """

    static func v(_ text: String) throws -> MigrationVersion {
        try #require(MigrationVersion(text))
    }

    static func migrations(_ files: [String: String]) async throws -> [Migration] {
        try await InMemorySource(files: files).migrations()
    }

    static func standardMigrations(replacing name: String? = nil, with text: String? = nil) async throws -> [Migration] {
        var files = standardFiles
        if let name { files[name] = text }
        return try await migrations(files)
    }

    static let historyNames: Set<String> = ["strata_migrations", "strata_events", "schema_history", "schema_events"]

    /// Tables other than Strata's history tables.
    static func userTables(_ db: DriverTestDatabase) async throws -> [String] {
        try await db.tables().filter { !historyNames.contains($0) }
    }

    static func migrator(_ db: DriverTestDatabase, schema: String? = nil, table: String = "strata_migrations",
                         events: String = "strata_events", runID: String = RunContext.newRunID()) -> Migrator {
        Migrator(driver: db.driver, migrationsTable: QualifiedName(schema: schema, name: table),
                 eventsTable: QualifiedName(schema: schema, name: events),
                 context: RunContext(runID: runID, strataVersion: StrataVersion.current))
    }

    static func options(singleTransaction: Bool = false, dryRun: Bool = false) -> RunOptions {
        var o = RunOptions()
        o.singleTransaction = singleTransaction
        o.dryRun = dryRun
        o.lockWait = .seconds(30)
        return o
    }

    /// Runs `request` with the default options.
    @discardableResult
    static func run(_ db: DriverTestDatabase, _ request: PlanRequest, _ migrations: [Migration],
                    singleTransaction: Bool = false) async throws -> RunReport {
        try await migrator(db).run(request, migrations: migrations, options: options(singleTransaction: singleTransaction))
    }
}

// MARK: reading the history tables with plain SQL

/// A `strata_migrations` row, as text.
struct HistoryRow: Equatable, CustomStringConvertible {
    var version, name, checksum, state: String
    var failedStatement, failedDirection: String?
    var description: String { "\(version) \(name) \(state) failed=\(failedStatement ?? "-")/\(failedDirection ?? "-")" }
}

/// A `strata_events` row, as text.
struct EventRow: Equatable, CustomStringConvertible {
    var version: String?
    var direction, outcome: String
    var error: String?
    /// `version direction outcome`, for comparing lists.
    var summary: String { "\(version ?? "-") \(direction) \(outcome)" }
    var description: String { summary }
}

extension Conformance {
    static func history(_ db: DriverTestDatabase, _ m: Migrator? = nil) async throws -> [HistoryRow] {
        let m = m ?? migrator(db)
        let table = m.store.dialect.qualified(m.store.migrationsTable)
        let rows = try await db.driver.withSession {
            try await $0.query("SELECT version, name, checksum, state, failed_statement, failed_direction FROM \(table) ORDER BY version")
        }
        return rows.map { HistoryRow(version: $0[0] ?? "", name: $0[1] ?? "", checksum: $0[2] ?? "", state: $0[3] ?? "",
                                     failedStatement: $0[4], failedDirection: $0[5]) }
    }

    static func events(_ db: DriverTestDatabase, _ m: Migrator? = nil) async throws -> [EventRow] {
        let m = m ?? migrator(db)
        let table = m.store.dialect.qualified(m.store.eventsTable)
        let rows = try await db.driver.withSession {
            try await $0.query("SELECT version, direction, outcome, error FROM \(table) ORDER BY id")
        }
        return rows.map { EventRow(version: $0[0], direction: $0[1] ?? "", outcome: $0[2] ?? "", error: $0[3]) }
    }

    /// Writes `files` into a new temporary directory.
    static func writeDirectory(_ files: [String: String]) throws -> URL {
        let dir = try DriverTestDatabase.temporaryDirectory(prefix: "strata-migrations")
        for (name, text) in files {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name))
        }
        return dir
    }
}
