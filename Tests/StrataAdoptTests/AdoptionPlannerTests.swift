import Foundation
import StrataKit
import Testing
@testable import StrataAdopt

/// The pure matching of an old tool's history to the folder.
@Suite struct AdoptionPlannerTests {
    func history(_ tool: ForeignTool, _ applied: ForeignHistory.Applied, all: [String] = [], dirty: Bool = false) -> ForeignHistory {
        ForeignHistory(source: ForeignTable(tool: tool, table: QualifiedName(schema: nil, name: tool.tableName)), applied: applied, dirty: dirty,
                       allKeys: all, rowCount: all.count)
    }

    func versions(_ plan: AdoptionPlan) -> [String] { plan.toRecord.map(\.migration.version.digits) }

    @Test func gooseKeysAreMatchedNumericallyAndTheRestIsPending() async throws {
        let plan = try AdoptionPlanner.plan(history: history(.goose, .keys(["1", "3"])), migrations: try await adoptMigrations(), strataApplied: [])
        #expect(versions(plan) == ["0001", "0003"])
        #expect(plan.pending.map(\.version.digits) == ["0002", "0004", "0005"])
        #expect(plan.warnings.contains { $0.contains("0002 t2") && $0.contains("--allow-out-of-order") })
    }

    @Test func golangMigrateRecordsEverythingUpToItsVersion() async throws {
        let plan = try AdoptionPlanner.plan(history: history(.golangMigrate, .through("3"), all: ["3"]), migrations: try await adoptMigrations(), strataApplied: [])
        #expect(versions(plan) == ["0001", "0002", "0003"])
        #expect(plan.warnings.isEmpty)
    }

    @Test func dirtyGolangMigrateIsRefused() async throws {
        let e = #expect(throws: AdoptError.self) {
            try AdoptionPlanner.plan(history: history(.golangMigrate, .through("3"), all: ["3"], dirty: true), migrations: [], strataApplied: [])
        }
        #expect(e?.kind == .dirty)
        #expect(e?.description.contains("dirty") == true)
    }

    @Test func keysWithoutFilesAreListed() async throws {
        let plain = try await adoptMigrations()
        let e = #expect(throws: AdoptError.self) {
            try AdoptionPlanner.plan(history: history(.dbmate, .keys(["1", "20260101", "7"])), migrations: plain, strataApplied: [])
        }
        #expect(e?.kind == .missingFiles)
        #expect(e?.missing == ["20260101", "7"])
        #expect(e?.description.contains("version 20260101") == true)
    }

    @Test func golangMigrateVersionWithoutAFileIsRefused() async throws {
        let plain = try await adoptMigrations()
        let e = #expect(throws: AdoptError.self) {
            try AdoptionPlanner.plan(history: history(.golangMigrate, .through("9"), all: ["9"]), migrations: plain, strataApplied: [])
        }
        #expect(e?.missing == ["9"])
    }

    @Test func dieselVersionsMatchWithoutDashes() async throws {
        var ms = try await InMemorySource(files: ["2026-01-02-120000_a.sql": "-- strata:up\nSELECT 1;\n",
                                                  "2026-01-03-120000_b.sql": "-- strata:up\nSELECT 1;\n"]).migrations()
        ms[0].origin = MigrationOrigin(format: .diesel, key: "20260102120000")
        let plan = try AdoptionPlanner.plan(history: history(.diesel, .keys(["20260102120000"])), migrations: ms, strataApplied: [])
        #expect(versions(plan) == ["20260102120000"])
    }

    @Test func drizzleUsesTheNewestCreatedAtAndNeedsTheJournal() async throws {
        let ms = try await adoptMigrations(for: .drizzle)
        let plain = try await adoptMigrations()
        let plan = try AdoptionPlanner.plan(history: history(.drizzle, .through(drizzleWhen(2)), all: [drizzleWhen(1), drizzleWhen(2)]),
                                            migrations: ms, strataApplied: [])
        #expect(versions(plan) == ["0001", "0002"])
        let e = #expect(throws: AdoptError.self) {
            try AdoptionPlanner.plan(history: history(.drizzle, .through(drizzleWhen(2)), all: [drizzleWhen(2)]), migrations: plain,
                                     strataApplied: [])
        }
        #expect(e?.kind == .unmatchable)
        #expect(e?.description.contains("journal") == true)
    }

    @Test func knexNamesMatchByVersionAndDifferentNamesAreReported() async throws {
        let plain = try await adoptMigrations()
        let plan = try AdoptionPlanner.plan(history: history(.knex, .keys(["0001_t1.js", "0002_renamed.ts"])), migrations: try await adoptMigrations(),
                                            strataApplied: [])
        #expect(versions(plan) == ["0001", "0002"])
        #expect(plan.warnings == ["knex migration 0002_renamed.ts was matched to 0002 t2 by its version; the names differ"])
        let e = #expect(throws: AdoptError.self) {
            try AdoptionPlanner.plan(history: history(.knex, .keys(["create_users.js"])), migrations: plain, strataApplied: [])
        }
        #expect(e?.missing == ["create_users.js"])
    }

    @Test func alembicHeadIsFoundByTheRevisionInTheName() async throws {
        let ms = try await adoptMigrations(for: .alembic)
        let plan = try AdoptionPlanner.plan(history: history(.alembic, .through("r3abc"), all: ["r3abc"]), migrations: ms, strataApplied: [])
        #expect(versions(plan) == ["0001", "0002", "0003"])
        let branches = #expect(throws: AdoptError.self) {
            try AdoptionPlanner.plan(history: history(.alembic, .keys(["r2abc", "r3abc"]), all: ["r2abc", "r3abc"]), migrations: ms, strataApplied: [])
        }
        #expect(branches?.kind == .unmatchable)
        let unknown = #expect(throws: AdoptError.self) {
            try AdoptionPlanner.plan(history: history(.alembic, .through("ffff0000"), all: ["ffff0000"]), migrations: ms, strataApplied: [])
        }
        #expect(unknown?.missing == ["ffff0000"])
    }

    @Test func existingStrataHistoryMustBeExactlyTheAdoptedSet() async throws {
        let ms = try await adoptMigrations()
        func row(_ m: Migration) -> AppliedMigration {
            AppliedMigration(version: m.version, name: m.name, checksum: m.checksum, appliedAt: Date(), durationMs: 0, appliedBy: "u", host: "h", strataVersion: "t")
        }
        let same = try AdoptionPlanner.plan(history: history(.goose, .keys(["1", "2"])), migrations: ms, strataApplied: ms.prefix(2).map(row))
        #expect(same.alreadyRecorded)
        let e = #expect(throws: AdoptError.self) {
            try AdoptionPlanner.plan(history: history(.goose, .keys(["1", "2"])), migrations: ms, strataApplied: ms.prefix(3).map(row))
        }
        #expect(e?.kind == .strataHistory)
        #expect(e?.description.contains("recorded by Strata, not applied by goose: 0003 t3") == true)
    }

    @Test func fromOptionAndDetectionChooseOneTable() throws {
        let goose = ForeignTable(tool: .goose, table: QualifiedName(schema: "public", name: "goose_db_version"))
        let dbmate = ForeignTable(tool: .dbmate, table: QualifiedName(schema: "public", name: "schema_migrations"))
        #expect(try Adopter.choose(nil, among: [goose]) == goose)
        #expect(try Adopter.choose(.dbmate, among: [goose, dbmate]) == dbmate)
        let several = #expect(throws: AdoptError.self) { try Adopter.choose(nil, among: [goose, dbmate]) }
        #expect(several?.kind == .ambiguous)
        #expect(several?.description.contains("--from goose|dbmate") == true)
        let wrongShape = #expect(throws: AdoptError.self) { try Adopter.choose(.golangMigrate, among: [dbmate]) }
        #expect(wrongShape?.description.contains("no `dirty` column") == true)
        #expect(parseForeignTool("migrate") == .golangMigrate)
        #expect(parseForeignTool("flyway") == .flyway && parseForeignTool("liquibase") == nil)
    }
}
