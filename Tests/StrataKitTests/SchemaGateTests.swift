import Foundation
import StrataKit
import StrataTestSupport
import Testing

@Suite("SchemaGate and SchemaCheck on SQLite files")
struct SchemaGateSQLiteTests {
    @Test func emptyDatabaseIsPending() async throws { try await GateProject.withSQLite(SchemaGateScenarios.emptyDatabaseIsPending) }
    @Test func readyAfterUp() async throws { try await GateProject.withSQLite(SchemaGateScenarios.readyAfterUp) }
    @Test func missingRequiredTablesWithNothingPending() async throws {
        try await GateProject.withSQLite(SchemaGateScenarios.missingRequiredTablesWithNothingPending)
    }
    @Test func partlyMigratedListsPendingAndMissing() async throws {
        try await GateProject.withSQLite(SchemaGateScenarios.partlyMigratedListsPendingAndMissing)
    }
    @Test func dirtyRowNeedsRepair() async throws { try await GateProject.withSQLite(SchemaGateScenarios.dirtyRowNeedsRepair) }
    @Test func changedFileIsInvalid() async throws { try await GateProject.withSQLite(SchemaGateScenarios.changedFileIsInvalid) }
    @Test func databaseAheadOfFilesIsReady() async throws { try await GateProject.withSQLite(SchemaGateScenarios.databaseAheadOfFilesIsReady) }
    @Test func waitReturnsOnceAnotherTaskMigrates() async throws {
        try await GateProject.withSQLite(SchemaGateScenarios.waitReturnsOnceAnotherTaskMigrates)
    }
    @Test func waitGivesUpWithTheMessage() async throws { try await GateProject.withSQLite(SchemaGateScenarios.waitGivesUpWithTheMessage) }
    @Test func lockHolderAndDirtyInProgress() async throws { try await GateProject.withSQLite(SchemaGateScenarios.lockHolderAndDirtyInProgress) }

    @Test("an unreachable database: verify throws ConnectionError; wait gives up with it")
    func unreachable() async throws {
        try await GateProject.withSQLite { p in
            try p.writeTwoMigrations()
            let gate = try SchemaGate(database: "postgres://strata@127.0.0.1:1/nothing", directory: p.migrations.path)
            await #expect(throws: ConnectionError.self) { try await gate.verify() }
            await #expect(throws: ConnectionError.self) { try await gate.wait(timeout: .milliseconds(300), pollInterval: .milliseconds(100)) }
        }
    }

    @Test("a lock file left by a killed run (text, but no flock) is not reported as held")
    func staleLockFile() async throws {
        try await GateProject.withSQLite { p in
            try p.writeTwoMigrations()
            let path = try #require(p.sqlitePath)
            try Data("strata pid 999999 run x since 2026-01-01T00:00:00.000Z\n".utf8).write(to: URL(fileURLWithPath: path + ".strata-lock"))
            #expect(try await p.gate().check().inspection.lockHolder == nil)
        }
    }

    @Test("a strata.sum mismatch is refused before the database is read")
    func sumMismatch() async throws {
        try await GateProject.withSQLite { p in
            try p.writeTwoMigrations()
            let sum = SumFile(entries: try await DirectorySource(directory: p.migrations).sumEntries())
            try p.write(SumFile.fileName, sum.text)
            try p.write("0002_create_posts.sql", GateProject.posts.replacingOccurrences(of: "user_id", with: "author_id"))
            await #expect(throws: SourceError.self) { try await p.gate().verify() }
        }
    }

    @Test("preflight: first run, then partly migrated, then dirty")
    func preflight() async throws {
        try await GateProject.withSQLite { p in
            try p.writeTwoMigrations()
            let strata = try p.strata()
            func report() async throws -> PreflightReport {
                try await Preflight.run(driver: strata.driver, migrations: .success(try await strata.source.migrations()))
            }
            let first = try await report()
            #expect(first.ok)
            #expect(first.item("history_table")?.detail.contains("does not exist yet") == true)
            #expect(first.inspection?.pending.count == 2)
            try await p.up(to: "0001")
            let partly = try await report()
            #expect(partly.ok)
            #expect(partly.item("applied")?.detail == "1 applied, latest 0001 create_users")
            #expect(partly.item("pending")?.detail == "1 pending: 0002 create_posts")
            try p.write("0003_audit.sql", GateProject.brokenNoTransaction)
            await #expect(throws: MigrationFailure.self) { try await p.up() }
            let dirty = try await report()
            #expect(!dirty.ok)
            #expect(dirty.item("dirty")?.status == .fail)
            #expect(dirty.item("dirty")?.detail.contains("strata repair 0003 --as applied") == true)
        }
    }
}

@Suite("SchemaGate and SchemaCheck on PostgreSQL", .enabled(if: TestEnvironment.postgresEnabled))
struct SchemaGatePostgresTests {
    @Test func emptyDatabaseIsPending() async throws { try await GateProject.withPostgres(SchemaGateScenarios.emptyDatabaseIsPending) }
    @Test func readyAfterUp() async throws { try await GateProject.withPostgres(SchemaGateScenarios.readyAfterUp) }
    @Test func missingRequiredTablesWithNothingPending() async throws {
        try await GateProject.withPostgres(SchemaGateScenarios.missingRequiredTablesWithNothingPending)
    }
    @Test func partlyMigratedListsPendingAndMissing() async throws {
        try await GateProject.withPostgres(SchemaGateScenarios.partlyMigratedListsPendingAndMissing)
    }
    @Test func dirtyRowNeedsRepair() async throws { try await GateProject.withPostgres(SchemaGateScenarios.dirtyRowNeedsRepair) }
    @Test func changedFileIsInvalid() async throws { try await GateProject.withPostgres(SchemaGateScenarios.changedFileIsInvalid) }
    @Test func databaseAheadOfFilesIsReady() async throws { try await GateProject.withPostgres(SchemaGateScenarios.databaseAheadOfFilesIsReady) }
    @Test func waitReturnsOnceAnotherTaskMigrates() async throws {
        try await GateProject.withPostgres(SchemaGateScenarios.waitReturnsOnceAnotherTaskMigrates)
    }
    @Test func waitGivesUpWithTheMessage() async throws { try await GateProject.withPostgres(SchemaGateScenarios.waitGivesUpWithTheMessage) }
    @Test func lockHolderAndDirtyInProgress() async throws { try await GateProject.withPostgres(SchemaGateScenarios.lockHolderAndDirtyInProgress) }

    @Test("required tables may be schema-qualified; history in another schema is found")
    func qualifiedNames() async throws {
        try await GateProject.withPostgres { p in
            try p.writeTwoMigrations()
            try p.write("0003_audit_schema.sql", "-- strata:up\nCREATE SCHEMA audit;\nCREATE TABLE audit.events (id integer);\n")
            let gate = try SchemaGate(database: p.database, directory: p.migrations.path, requiredTables: ["audit.events", "public.users", "audit.nothing"],
                                      historySchema: "strata_meta")
            var config = try p.strata().config
            config.historySchema = "strata_meta"
            _ = try await Strata(config: config).up()
            #expect(try await p.scalar("SELECT count(*) FROM strata_meta.strata_migrations") == "3")
            let result = try await gate.check()
            #expect(result.inspection.pending.isEmpty)
            #expect(result.inspection.missingTables == ["audit.nothing"])
        }
    }
}
