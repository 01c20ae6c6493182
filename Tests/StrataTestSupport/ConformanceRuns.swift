import Foundation
import StrataKit
import Testing

/// Conformance: applying and reverting migrations.
extension Conformance {
    /// `up` applies every migration in order, with a history row (version, name, checksum, state) and an `ok` event each.
    public static func upAppliesEveryMigration(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            let report = try await run(db, .up(to: nil), migrations)
            #expect(report.outcome == .ok)
            #expect(report.steps.map(\.version.digits) == ["0001", "0002", "0003"])
            try await expectStandardApplied(db, migrations)
        }
    }

    /// The three standard migrations applied once each: their tables, one history row and one `ok` event each.
    @discardableResult
    static func expectStandardApplied(_ db: DriverTestDatabase, _ migrations: [Migration]) async throws -> [HistoryRow] {
        #expect(try await userTables(db) == ["posts", "tags", "users"])
        let rows = try await history(db)
        #expect(rows.map(\.version) == ["0001", "0002", "0003"])
        #expect(rows.map(\.name) == ["create_users", "create_posts", "create_tags"])
        #expect(rows.map(\.checksum) == migrations.map(\.checksum))
        #expect(rows.allSatisfy { $0.state == "applied" && $0.failedStatement == nil && $0.failedDirection == nil })
        #expect(try await events(db).map(\.summary) == ["0001 up ok", "0002 up ok", "0003 up ok"])
        return rows
    }

    /// `--single-transaction` writes the history once, at the end of the run: the same rows and events, in the same
    /// order, as one transaction per migration; `redo` (down, then up again) ends with the rows in place, `down --to 0`
    /// with none.
    public static func singleTransactionRecordsLikePerMigrationRuns(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            let report = try await run(db, .up(to: nil), migrations, singleTransaction: true)
            #expect(report.outcome == .ok)
            #expect(report.toVersion?.digits == "0003")
            let rows = try await expectStandardApplied(db, migrations)

            let redo = try await run(db, .redo(steps: 2), migrations, singleTransaction: true)
            #expect(redo.steps.map { "\($0.version.digits) \($0.direction)" } == ["0003 down", "0002 down", "0002 up", "0003 up"])
            #expect(try await history(db) == rows)
            #expect(try await events(db).map(\.summary).suffix(4) == ["0003 down ok", "0002 down ok", "0002 up ok", "0003 up ok"])

            let down = try await run(db, .down(steps: 1, to: MigrationVersion("0")), migrations, singleTransaction: true)
            #expect(down.toVersion == nil)
            #expect(try await history(db) == [])
            #expect(try await userTables(db) == [])
            #expect(try await events(db).count == 10)
        }
    }

    /// A second `up` finds nothing to do and writes nothing.
    public static func secondUpIsNoOp(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            try await run(db, .up(to: nil), migrations)
            let rowsBefore = try await history(db)
            let second = try await run(db, .up(to: nil), migrations)
            #expect(second.outcome == .nothing)
            #expect(second.steps.isEmpty)
            #expect(try await history(db) == rowsBefore)
            #expect(try await events(db).count == 3)
        }
    }

    /// `down` without arguments reverts the latest migration only.
    public static func downRevertsOneStepByDefault(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            try await run(db, .up(to: nil), migrations)
            let report = try await run(db, .down(steps: 1, to: nil), migrations)
            #expect(report.steps.map { "\($0.version.digits) \($0.direction)" } == ["0003 down"])
            #expect(try await userTables(db) == ["posts", "users"])
            #expect(try await history(db).map(\.version) == ["0001", "0002"])
            #expect(try await events(db).last?.summary == "0003 down ok")
        }
    }

    /// `down --to 0` reverts everything, newest first, and leaves no user tables.
    public static func downToZeroRevertsEverything(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            try await run(db, .up(to: nil), migrations)
            let report = try await run(db, .down(steps: 1, to: try v("0")), migrations)
            #expect(report.steps.map(\.version.digits) == ["0003", "0002", "0001"])
            #expect(try await userTables(db) == [])
            #expect(try await history(db) == [])
            #expect(try await events(db).suffix(3).map(\.summary) == ["0003 down ok", "0002 down ok", "0001 down ok"])
        }
    }

    /// `redo` reverts and re-applies the latest migration: data in its table is gone, the row is back.
    public static func redoRevertsAndReapplies(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            try await run(db, .up(to: nil), migrations)
            try await db.driver.withSession { try await $0.execute("INSERT INTO tags (id, label) VALUES (1, 'old')") }
            let report = try await run(db, .redo(steps: 1), migrations)
            #expect(report.steps.map { "\($0.version.digits) \($0.direction)" } == ["0003 down", "0003 up"])
            let count = try await db.driver.withSession { try await $0.query("SELECT count(*) FROM tags") }
            #expect(count.first?[0] == "0")
            #expect(try await history(db).map(\.version) == ["0001", "0002", "0003"])
            #expect(try await events(db).suffix(2).map(\.summary) == ["0003 down ok", "0003 up ok"])
        }
    }

    /// `up --to V` applies up to and including V, and a later `up` the rest.
    public static func upToStopsAtTarget(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            let first = try await run(db, .up(to: try v("2")), migrations)
            #expect(first.steps.map(\.version.digits) == ["0001", "0002"])
            #expect(try await userTables(db) == ["posts", "users"])
            let status = try await migrator(db).status(migrations: migrations).statuses
            #expect(status.map(\.state) == [.applied, .applied, .pending])
            let rest = try await run(db, .up(to: nil), migrations)
            #expect(rest.steps.map(\.version.digits) == ["0003"])
        }
    }
}
