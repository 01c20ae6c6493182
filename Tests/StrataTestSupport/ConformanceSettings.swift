import Foundation
import StrataKit
import Testing

/// Conformance: timeouts set by directives, and history tables under other names.
extension Conformance {
    /// `-- strata:timeout 1s` makes `SELECT pg_sleep(3)` fail with a statement timeout (PostgreSQL only:
    /// SQLite has no statement timeout). The migration is rolled back.
    public static func statementTimeoutDirectiveApplies(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations(replacing: "0003_create_tags.sql", with: """
                -- strata:up
                -- strata:timeout 1s
                CREATE TABLE tags (id integer primary key, label text);
                SELECT pg_sleep(3);
                """)
            let failure = try await #require(throws: MigrationFailure.self) { try await run(db, .up(to: nil), migrations) }
            #expect(failure.version.digits == "0003")
            #expect(failure.statementIndex == 2)
            #expect(failure.sqlState == "57014")
            #expect(failure.cause.contains("statement timeout"))
            #expect(try await userTables(db) == ["posts", "users"])
            #expect(try await history(db).map(\.version) == ["0001", "0002"])
        }
    }

    /// `-- strata:lock-timeout 1s` makes a migration blocked by another session's lock on `users` fail
    /// instead of waiting. `lockStatements` take that lock on a second session (and open its transaction).
    public static func lockTimeoutDirectiveApplies(_ make: DriverTestFactory, lockStatements: [String]) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations(replacing: "0003_create_tags.sql", with: """
                -- strata:up
                -- strata:lock-timeout 1s
                ALTER TABLE users ADD COLUMN nickname text;
                """)
            try await run(db, .up(to: try v("2")), migrations)
            try await db.driver.withSession { blocker in
                for sql in lockStatements { try await blocker.execute(sql) }
                let error = await #expect(throws: (any Error).self) { try await run(db, .up(to: nil), migrations) }
                try await blocker.execute("ROLLBACK")
                let failure = error as? MigrationFailure
                #expect(failure?.version.digits == "0003", "expected a MigrationFailure for 0003, got \(String(describing: error))")
            }
            #expect(try await history(db).map(\.version) == ["0001", "0002"])
            #expect(try await run(db, .up(to: nil), migrations).steps.map(\.version.digits) == ["0003"])
        }
    }

    /// History and events tables under other names (and, where the database has schemas, in `schema`).
    public static func customHistoryNames(_ make: DriverTestFactory, schema: String?) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            let m = migrator(db, schema: schema, table: "schema_history", events: "schema_events")
            let report = try await m.run(.up(to: nil), migrations: migrations, options: options())
            #expect(report.steps.count == 3)
            #expect(try await db.tableExists(QualifiedName(schema: schema, name: "schema_history")))
            #expect(try await db.tableExists(QualifiedName(schema: schema, name: "schema_events")))
            #expect(try await db.tableExists(QualifiedName(schema: nil, name: "strata_migrations")) == false)
            #expect(try await db.tables().contains("strata_events") == false)
            #expect(try await history(db, m).map(\.version) == ["0001", "0002", "0003"])
            #expect(try await events(db, m).count == 3)
            #expect(try await m.status(migrations: migrations).statuses.map(\.state) == [.applied, .applied, .applied])
            #expect(try await m.run(.up(to: nil), migrations: migrations, options: options()).outcome == .nothing)
            let down = try await m.run(.down(steps: 1, to: try v("0")), migrations: migrations, options: options())
            #expect(down.steps.count == 3)
            #expect(try await history(db, m) == [])
        }
    }
}
