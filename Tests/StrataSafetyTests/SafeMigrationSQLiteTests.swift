// SafeMigration on SQLite files, the happy path and the rehearsal: backup, rehearsal on a copy that
// catches a failing migration without touching the real file, stale copies of killed runs removed.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety

struct SafeMigrationSQLiteTests {
    @Test func allStagesPass() async throws {
        let p = try await SQLiteSafeProject.make("safe-ok", extra: """
            required_tables = ["items", "notes", "tags"]
            validate_queries = ["SELECT count(*) = 3 FROM items"]
            """)
        defer { p.dir.remove() }
        let report = try await p.up(SafeFixtures.pending)
        #expect(report.outcome == .ok, "\(report.error ?? "")")
        #expect(report.databaseUnchanged == false)
        #expect(report.error == nil)
        #expect(report.fromVersion == "0001")
        #expect(report.toVersion == "0006")
        #expect(report.pending == ["0002 bump_qty", "0003 notes", "0004 tags", "0005 more", "0006 last"])
        #expect(report.migrations.map(\.version.digits) == ["0002", "0003", "0004", "0005", "0006"])
        #expect(report.stages.map(\.stage) == [.backup, .rehearsal, .apply, .validation])
        #expect(report.stages.allSatisfy { $0.ok })
        #expect(report.warnings.isEmpty)
        #expect(report.rollback == nil)

        // Backup: the file and its manifest, in backups/production beside strata.toml.
        let backup = try #require(report.backup)
        let entries = try BackupCatalog(directory: p.dir.file("backups/production")).list()
        #expect(entries.count == 1)
        #expect(entries.first?.backupPath == backup.path)
        #expect(entries.first?.manifest.fromVersion == "0001")
        #expect(entries.first?.manifest.kind == "pre-migration")
        #expect(entries.first?.manifest.runID == report.runID)
        #expect(backup.tool == "VACUUM INTO")
        try BackupCatalog.checkIntegrity(try #require(entries.first))

        // Rehearsal: all five on a file copy, validated there, copy gone.
        let rehearsal = try #require(report.rehearsal)
        #expect(rehearsal.ok && rehearsal.method == "file copy")
        #expect(rehearsal.steps.count == 5)
        #expect(rehearsal.validation?.ok == true)
        #expect(rehearsal.staleCopiesDropped.isEmpty)
        #expect(rehearsalLeftovers(in: p.dir).isEmpty, "\(p.dir.names())")

        // Validation on the real database: required tables, foreign keys, the query, the verify section of 0002.
        let validation = try #require(report.validation)
        #expect(validation.ok)
        #expect(Set(validation.checks.map(\.kind)) == ["required_tables", "foreign_keys", "query", "verify"])
        #expect(validation.checks.filter { $0.kind == "verify" }.map(\.subject) == ["0002 bump_qty"])

        #expect(try await p.versions() == ["0001", "0002", "0003", "0004", "0005", "0006"])
        #expect(try await rows(p.target, "SELECT qty FROM items ORDER BY id") == [["13"], ["10"], ["22"]])
        #expect(try await p.events().contains(["0001", "backup", "ok"]), "the backup is recorded in strata_events")

        // Nothing pending: nothing done, no second backup.
        let again = try await p.up(SafeFixtures.pending)
        #expect(again.outcome == .nothing)
        #expect(try BackupCatalog(directory: p.dir.file("backups/production")).list().count == 1)
    }

    @Test func rehearsalCatchesTheThirdOfFiveAndTheFileIsUntouched() async throws {
        let p = try await SQLiteSafeProject.make("safe-rehearsal")
        defer { p.dir.remove() }
        let before = try await SQLiteSnapshot.of(p.db)
        let bytes = try fileDigest(p.db)
        let report = try await p.up(SafeFixtures.pending(replacing: "0004_tags.sql", with: SafeFixtures.failingTags))
        #expect(report.outcome == .rehearsalFailed)
        #expect(report.databaseUnchanged)
        let rehearsal = try #require(report.rehearsal)
        #expect(!rehearsal.ok)
        #expect(rehearsal.steps.map(\.version.digits) == ["0002", "0003"])
        #expect(rehearsal.error?.contains("0004") == true && rehearsal.error?.contains("no_such_table") == true, "\(rehearsal.error ?? "")")
        #expect(report.error?.contains("real database was not touched") == true)
        #expect(report.migrations.isEmpty)
        #expect(report.toVersion == "0001")
        #expect(!report.stages.contains { $0.stage == .apply })
        #expect(report.stages.first { $0.stage == .rehearsal }?.ok == false)

        #expect(try fileDigest(p.db) == bytes, "the database file is byte-for-byte unchanged")
        #expect(try await SQLiteSnapshot.of(p.db) == before)
        #expect(rehearsalLeftovers(in: p.dir).isEmpty, "\(p.dir.names())")
        #expect(report.text.contains("0004"))
    }

    @Test func forceAppliesAfterAFailedRehearsal() async throws {
        let p = try await SQLiteSafeProject.make("safe-force")
        defer { p.dir.remove() }
        // With nothing wrong, --force changes nothing.
        let forced = try await p.up(SafeFixtures.pending, flags: safetyFlags(force: true))
        #expect(forced.outcome == .ok)
        #expect(forced.warnings.isEmpty)

        let q = try await SQLiteSafeProject.make("safe-force-fail")
        defer { q.dir.remove() }
        // The rehearsal fails; --force applies anyway, the real apply fails the same way and is rolled back.
        let before = try await q.snapshot()
        let report = try await q.up(SafeFixtures.pending(replacing: "0004_tags.sql", with: SafeFixtures.failingTags), flags: safetyFlags(force: true))
        #expect(report.rehearsal?.ok == false)
        #expect(report.warnings.contains { $0.contains("--force") })
        #expect(report.outcome == .rolledBack)
        #expect(report.rollback?.method == "down")
        #expect(try await q.snapshot() == before)
    }

    @Test func staleCopiesOfDeadRunsAreRemovedByTheNextRehearsal() async throws {
        let p = try await SQLiteSafeProject.make("safe-stale")
        defer { p.dir.remove() }
        let dead = try deadProcessID()
        let stale = p.dir.file(".app.sqlite.strata-rehearsal-\(dead).sqlite")
        try p.dir.write(".app.sqlite.strata-rehearsal-\(dead).sqlite", "left by a killed run")
        try p.dir.write(".app.sqlite.strata-rehearsal-\(dead).sqlite-journal", "journal")
        try p.dir.write(".app.sqlite.strata-rehearsal-\(dead).sqlite.strata-lock", "")
        // Process 1 is alive: its copy belongs to a running rehearsal and stays.
        try p.dir.write(".app.sqlite.strata-rehearsal-1.sqlite", "in use")
        // Another database's copy is not ours.
        try p.dir.write(".other.sqlite.strata-rehearsal-\(dead).sqlite", "not ours")

        let report = try await p.up(SafeFixtures.pending)
        #expect(report.outcome == .ok, "\(report.error ?? "")")
        #expect(report.rehearsal?.staleCopiesDropped == [stale])
        #expect(rehearsalLeftovers(in: p.dir) == [".app.sqlite.strata-rehearsal-1.sqlite", ".other.sqlite.strata-rehearsal-\(dead).sqlite"])
        #expect(report.text.contains("stale copies dropped first"))
    }

    @Test func rehearsalCopiesOnSQLite() async throws {
        let dir = try SafetyTempDir("copies-sqlite")
        defer { dir.remove() }
        let db = dir.file("app.sqlite")
        try await execute(.sqlite(path: db), ["CREATE TABLE t (id integer)", "INSERT INTO t VALUES (1), (2)"])
        let copies = RehearsalCopies(target: .sqlite(path: db), makeDriver: { Drivers.driver(for: $0) })
        let copy = try await copies.create(dump: nil)
        #expect(copy.method == "file copy")
        #expect(copy.name == dir.file(".app.sqlite.strata-rehearsal-\(getpid()).sqlite"))
        #expect(try await scalar(copy.target, "SELECT count(*) FROM t") == "2")
        #expect(try await copies.dropStale().isEmpty, "a copy of a live process is not stale")
        try await copies.drop(copy)
        #expect(rehearsalLeftovers(in: dir).isEmpty)
        #expect(try await scalar(.sqlite(path: db), "SELECT count(*) FROM t") == "2")
    }
}
