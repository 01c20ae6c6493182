import Foundation
import StrataKit
import Testing

/// Conformance: what a failing migration leaves behind.
extension Conformance {
    /// The third statement of migration 0003 fails: 0001 and 0002 stay applied, 0003's first two statements
    /// are rolled back, an event says `rolled_back`, and the error names file, version, statement and line.
    public static func failingStatementRollsBackItsMigration(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations(replacing: "0003_create_tags.sql", with: failingThirdStatement)
            let failure = try await #require(throws: MigrationFailure.self) { try await run(db, .up(to: nil), migrations) }
            #expect(failure.version.digits == "0003")
            #expect(failure.file == "migrations/0003_create_tags.sql")
            #expect(failure.statementIndex == 3)
            #expect(failure.statementCount == 4)
            #expect(failure.line == 4)
            #expect(!failure.dirty && !failure.inVerify && !failure.cancelled && !failure.wholeRunRolledBack)
            #expect(failure.description.contains("migrations/0003_create_tags.sql:4, statement 3 of 4"))
            #expect(try await userTables(db) == ["posts", "users"])
            let rows = try await history(db)
            #expect(rows.map(\.version) == ["0001", "0002"])
            #expect(rows.allSatisfy { $0.state == "applied" })
            let events = try await events(db)
            #expect(events.map(\.summary) == ["0001 up ok", "0002 up ok", "0003 up rolled_back"])
            #expect(events.last?.error?.isEmpty == false)
        }
    }

    /// With `--single-transaction`, a failure in the third migration rolls back the first two as well.
    public static func singleTransactionRollsBackEverything(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations(replacing: "0003_create_tags.sql", with: failingThirdStatement)
            let failure = try await #require(throws: MigrationFailure.self) {
                try await run(db, .up(to: nil), migrations, singleTransaction: true)
            }
            #expect(failure.version.digits == "0003")
            #expect(failure.statementIndex == 3)
            #expect(failure.wholeRunRolledBack)
            #expect(try await userTables(db) == [])
            #expect(try await history(db) == [])
            #expect(try await events(db).map(\.summary) == ["0003 up rolled_back"])
        }
    }

    /// `--single-transaction` with a `no-transaction` migration in the plan is refused before anything runs.
    public static func singleTransactionRefusesNoTransactionMigration(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations(replacing: "0003_create_tags.sql", with: """
                -- strata:up
                -- strata:no-transaction
                CREATE TABLE tags (id integer primary key, label text);
                -- strata:down
                DROP TABLE tags;
                """)
            let error = try await #require(throws: RunConfigurationError.self) {
                try await run(db, .up(to: nil), migrations, singleTransaction: true)
            }
            #expect(error.description.contains("0003"))
            #expect(try await userTables(db) == [])
            #expect(try await history(db) == [])
            #expect(try await events(db) == [])
        }
    }

    /// A failing verify section rolls its migration back.
    public static func verifyFailureRollsBack(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations(replacing: "0003_create_tags.sql", with: """
                -- strata:up
                CREATE TABLE tags (id integer primary key, label text);
                -- strata:down
                DROP TABLE tags;
                -- strata:verify
                SELECT missing_column FROM tags;
                """)
            let failure = try await #require(throws: MigrationFailure.self) { try await run(db, .up(to: nil), migrations) }
            #expect(failure.inVerify)
            #expect(failure.version.digits == "0003")
            #expect(failure.statementIndex == 1)
            #expect(failure.line == 6)
            #expect(try await userTables(db) == ["posts", "users"])
            #expect(try await history(db).map(\.version) == ["0001", "0002"])
            #expect(try await events(db).last?.summary == "0003 up rolled_back")
        }
    }
}
