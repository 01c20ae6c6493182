import Foundation
import StrataKit
import Testing

/// Conformance: `no-transaction` migrations that fail part-way, and `repair`.
extension Conformance {
    /// Migration 0002 runs outside a transaction; its statement 2 (line 4) fails.
    static func noTransactionMigration(fixed: Bool = false) -> String {
        """
        -- strata:up
        -- strata:no-transaction
        CREATE TABLE audit (id integer);
        \(fixed ? "INSERT INTO audit VALUES (1)" : "INSERT INTO no_such_table VALUES (1)");
        CREATE TABLE audit_archive (id integer);
        -- strata:down
        DROP TABLE audit_archive;
        DROP TABLE audit;
        """
    }

    static func dirtyMigrations(fixed: Bool = false) async throws -> [Migration] {
        try await migrations([
            "0001_create_users.sql": standardFiles["0001_create_users.sql"] ?? "",
            "0002_audit.sql": noTransactionMigration(fixed: fixed),
        ])
    }

    /// Runs the failing no-transaction migration and checks the dirty state it leaves.
    static func makeDirty(_ db: DriverTestDatabase) async throws {
        let failure = try await #require(throws: MigrationFailure.self) { try await run(db, .up(to: nil), try await dirtyMigrations()) }
        #expect(failure.dirty)
        #expect(failure.version.digits == "0002")
        #expect(failure.statementIndex == 2)
        #expect(failure.line == 4)
        #expect(failure.description.contains("strata repair 0002"))
        let rows = try await history(db)
        #expect(rows.map(\.description) == ["0001 create_users applied failed=-/-", "0002 audit dirty failed=2/up"])
        #expect(try await events(db).last?.summary == "0002 up failed")
        // Statement 1 ran outside a transaction and stays.
        #expect(try await userTables(db) == ["audit", "users"])
    }

    /// A dirty row makes the next run refuse with PlanError.dirty, and `status` say so.
    public static func noTransactionFailureLeavesDirtyRow(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            try await makeDirty(db)
            let error = try await #require(throws: PlanError.self) { try await run(db, .up(to: nil), try await dirtyMigrations(fixed: true)) }
            guard case let .dirty(version, _, failedStatement, _, _) = error else {
                Issue.record("expected PlanError.dirty, got \(error)")
                return
            }
            #expect(version.digits == "0002")
            #expect(failedStatement == 2)
            await #expect(throws: PlanError.self) { try await run(db, .down(steps: 1, to: nil), try await dirtyMigrations()) }
            let status = try await migrator(db).status(migrations: try await dirtyMigrations()).statuses
            #expect(status.map(\.state) == [.applied, .dirty])
            #expect(status.last?.failedStatement == 2)
        }
    }

    /// `repair --as applied`: the row becomes applied, and the next run has nothing to do.
    public static func repairAsApplied(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            try await makeDirty(db)
            // The user finishes the migration by hand.
            try await db.driver.withSession { try await $0.execute("CREATE TABLE audit_archive (id integer)") }
            let repaired = try await migrator(db).repair(try v("2"), as: .applied, lockWait: .seconds(30))
            #expect(repaired.map(\.digits) == ["0002"])
            #expect(try await history(db).map(\.description) == ["0001 create_users applied failed=-/-", "0002 audit applied failed=-/-"])
            #expect(try await events(db).last?.summary == "0002 repair ok")
            let next = try await run(db, .up(to: nil), try await dirtyMigrations())
            #expect(next.outcome == .nothing)
        }
    }

    /// `repair --as pending`: the row is removed, and the next run applies the (fixed) migration.
    public static func repairAsPending(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            try await makeDirty(db)
            // The user undoes the partial change by hand.
            try await db.driver.withSession { try await $0.execute("DROP TABLE audit") }
            let repaired = try await migrator(db).repair(nil, as: .pending, lockWait: .seconds(30))
            #expect(repaired.map(\.digits) == ["0002"])
            #expect(try await history(db).map(\.version) == ["0001"])
            #expect(try await events(db).last?.summary == "0002 repair ok")
            let next = try await run(db, .up(to: nil), try await dirtyMigrations(fixed: true))
            #expect(next.steps.map(\.version.digits) == ["0002"])
            #expect(try await userTables(db) == ["audit", "audit_archive", "users"])
            #expect(try await history(db).map(\.description).last == "0002 audit applied failed=-/-")
            await #expect(throws: HistoryOperationError.self) {
                try await migrator(db).repair(try v("2"), as: .pending, lockWait: .seconds(30))
            }
        }
    }
}
