import Foundation
import StrataKit
import StrataTestSupport
import Testing
@testable import StrataAdopt

/// Adoption against real databases: each tool's table written as the tool leaves it part-way (3 of 5 applied),
/// then `adopt`, then `up` must apply exactly 4 and 5.
@Suite struct AdopterDatabaseTests {
    static let tools = ForeignTool.allCases

    func takeOver(_ tool: ForeignTool, on make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            try await migratePartWay(db, tool: tool, through: 3)
            let migrations = try await adoptMigrations(for: tool)
            let migrator = makeMigrator(db.driver)
            let adopter = Adopter(migrator: migrator)
            #expect(try await adopter.detect().map(\.tool) == [tool])

            let refusal = try await ForeignHistoryGuard.check(migrator: migrator)
            #expect(refusal?.histories.map(\.source.tool) == [tool])
            #expect(refusal?.description.contains("strata adopt") == true)

            let preview = try await adopter.plan(from: nil, migrations: migrations)
            #expect(preview.toRecord.map(\.migration.version.digits) == ["0001", "0002", "0003"])
            #expect(try await !db.tableExists(QualifiedName(schema: nil, name: "strata_migrations")), "a dry run creates nothing")

            let done = try await adopter.adopt(from: tool, migrations: migrations, lockWait: .seconds(10))
            #expect(done.toRecord.count == 3)
            #expect(done.pending.map(\.version.digits) == ["0004", "0005"])
            let status = try await migrator.status(migrations: migrations)
            #expect(status.applied.map(\.version.digits) == ["0001", "0002", "0003"])
            #expect(status.applied.map(\.checksum) == migrations.prefix(3).map(\.checksum))
            let events = try await migrator.events(limit: 10)
            #expect(events.filter { $0.direction == .adopted }.count == 3)
            #expect(events.first?.error?.contains("adopted from \(tool)") == true)
            #expect(try await ForeignHistoryGuard.check(migrator: migrator) == nil, "Strata has history now")

            let again = try await adopter.adopt(from: nil, migrations: migrations, lockWait: .seconds(10))
            #expect(again.alreadyRecorded)

            let report = try await migrator.run(.up(to: nil), migrations: migrations, options: RunOptions())
            #expect(report.steps.map(\.version.digits) == ["0004", "0005"])
            #expect(try await db.tableExists(QualifiedName(schema: nil, name: "t5")))

            let late = await #expect(throws: AdoptError.self) { try await adopter.adopt(from: nil, migrations: migrations, lockWait: .seconds(10)) }
            #expect(late?.kind == .strataHistory)
        }
    }

    /// Sqitch keeps its SQLite registry in a file of its own, which adopt does not read.
    @Test(arguments: tools.filter { $0 != .sqitch }) func sqliteTakeOver(_ tool: ForeignTool) async throws {
        try await takeOver(tool, on: sqliteDatabase)
    }

    @Test(.enabled(if: TestEnvironment.postgresEnabled), arguments: tools) func postgresTakeOver(_ tool: ForeignTool) async throws {
        try await takeOver(tool, on: postgresDatabase)
    }

    func refusals(on make: DriverTestFactory) async throws {
        // golang-migrate dirty: refused, nothing created.
        try await DriverTestDatabase.with(make) { db in
            try await migratePartWay(db, tool: .golangMigrate, through: 2, dirty: true)
            let adopter = Adopter(migrator: makeMigrator(db.driver))
            let e = await #expect(throws: AdoptError.self) { try await adopter.adopt(from: nil, migrations: try await adoptMigrations(), lockWait: .seconds(5)) }
            #expect(e?.kind == .dirty)
            #expect(try await !db.tableExists(QualifiedName(schema: nil, name: "strata_migrations")))
        }
        // A version the folder lacks; goose's rolled-back row; two tools at once.
        try await DriverTestDatabase.with(make) { db in
            try await migratePartWay(db, tool: .goose, through: 3)
            let adopter = Adopter(migrator: makeMigrator(db.driver))
            let t = db.driver.dialect.supportsSchemas ? "false" : "0"
            try await db.driver.withSession { try await $0.execute("INSERT INTO goose_db_version (version_id, is_applied) VALUES (3, \(t))") }
            let plan = try await adopter.plan(from: nil, migrations: try await adoptMigrations())
            #expect(plan.toRecord.map(\.migration.version.digits) == ["0001", "0002"], "goose's newest row for 3 says it was rolled back")
            try await db.driver.withSession { try await $0.execute("INSERT INTO goose_db_version (version_id, is_applied) VALUES (42, \(t == "0" ? "1" : "true"))") }
            let e = await #expect(throws: AdoptError.self) { try await adopter.adopt(from: nil, migrations: try await adoptMigrations(), lockWait: .seconds(5)) }
            #expect(e?.missing == ["42"])
            try await db.driver.withSession { s in
                for sql in AdoptForeignTables.statements(.knex, postgres: db.driver.dialect.supportsSchemas, applied: ["0001_t1.js"]) { try await s.execute(sql) }
            }
            let both = await #expect(throws: AdoptError.self) { try await adopter.plan(from: nil, migrations: try await adoptMigrations()) }
            #expect(both?.kind == .ambiguous)
            #expect(try await adopter.plan(from: .knex, migrations: try await adoptMigrations()).toRecord.count == 1)
        }
    }

    @Test func sqliteRefusals() async throws { try await refusals(on: sqliteDatabase) }

    @Test(.enabled(if: TestEnvironment.postgresEnabled)) func postgresRefusals() async throws { try await refusals(on: postgresDatabase) }

    @Test(.enabled(if: TestEnvironment.postgresEnabled)) func postgresFindsTheTableThroughSearchPath() async throws {
        try await DriverTestDatabase.with(postgresDatabase) { db in
            let name = try await db.driver.withSession { try await $0.query("SELECT current_database()") }.first?[0] ?? nil
            let database = try #require(name)
            try await db.driver.withSession { s in
                try await s.execute("CREATE SCHEMA app")
                try await s.execute("ALTER DATABASE \(database) SET search_path = app, public")
            }
            try await migratePartWay(db, tool: .goose, through: 2)  // new session: lands in app
            let tables = try await Adopter(migrator: makeMigrator(db.driver)).detect()
            #expect(tables == [ForeignTable(tool: .goose, table: QualifiedName(schema: "app", name: "goose_db_version"))])
            let plan = try await Adopter(migrator: makeMigrator(db.driver)).adopt(from: .goose, migrations: try await adoptMigrations(), lockWait: .seconds(5))
            #expect(plan.toRecord.count == 2)
        }
    }

    /// Detection asks for every candidate in one query: which table each tool's name resolves to must not change.
    @Test(.enabled(if: TestEnvironment.postgresEnabled)) func postgresDetectionPicksEachToolsOwnTable() async throws {
        try await DriverTestDatabase.with(postgresDatabase) { db in
            try await db.driver.withSession { s in
                // Sqitch's registry is `sqitch.changes`; a `changes` table of the application is not it.
                try await s.execute("CREATE TABLE public.changes (id integer)")
                // drizzle's table in its own schema wins over one that `search_path` finds.
                try await s.execute("CREATE TABLE public.__drizzle_migrations (id integer, hash text, created_at bigint)")
            }
            func record(_ tool: ForeignTool, through: Int) async throws {
                try await db.driver.withSession { s in
                    for sql in AdoptForeignTables.statements(tool, postgres: true, applied: foreignKeys(tool, through: through)) { try await s.execute(sql) }
                }
            }
            try await record(.drizzle, through: 2)
            try await record(.goose, through: 1)
            let tables = try await Adopter(migrator: makeMigrator(db.driver)).detect()
            #expect(tables == [ForeignTable(tool: .goose, table: QualifiedName(schema: "public", name: "goose_db_version")),
                               ForeignTable(tool: .drizzle, table: QualifiedName(schema: "drizzle", name: "__drizzle_migrations"))])
            try await record(.sqitch, through: 1)
            let withSqitch = try await Adopter(migrator: makeMigrator(db.driver)).detect()
            #expect(withSqitch.map(\.tool) == [.goose, .drizzle, .sqitch])
            #expect(withSqitch.last?.table == QualifiedName(schema: "sqitch", name: "changes"))
        }
    }

    @Test func emptyForeignTableDoesNotStopUp() async throws {
        try await DriverTestDatabase.with(sqliteDatabase) { db in
            try await db.driver.withSession { s in
                for sql in AdoptForeignTables.statements(.golangMigrate, postgres: false, applied: []) { try await s.execute(sql) }
            }
            let migrator = makeMigrator(db.driver)
            #expect(try await ForeignHistoryGuard.check(migrator: migrator) == nil)
            let plan = try await Adopter(migrator: migrator).adopt(from: nil, migrations: try await adoptMigrations(), lockWait: .seconds(5))
            #expect(plan.toRecord.isEmpty && plan.pending.count == 5)
            #expect(try await !db.tableExists(QualifiedName(schema: nil, name: "strata_migrations")))
        }
    }
}
