// SafeMigration's automatic rollback on SQLite files: by down sections, by restoring the backup, after a
// failed validation query, after --timeout, and what happens when neither is possible.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety

/// A `no-transaction` migration without a down section whose third statement fails after two changed data.
private let halfWayNoTransaction = """
    -- strata:up
    -- strata:no-transaction
    INSERT INTO items (id, name, qty) VALUES (4, 'fig', 1);
    UPDATE items SET qty = 0;
    INSERT INTO no_such_table VALUES (1);
    CREATE TABLE never (id integer);
    """

/// A migration whose first statement takes a few seconds (a recursive CTE) before another one runs.
private let slow = """
    -- strata:up
    CREATE TABLE slow_result AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT sum(x) AS s FROM c;
    CREATE TABLE after_slow (id integer);
    -- strata:down
    DROP TABLE after_slow;
    DROP TABLE slow_result;
    """

struct SafeMigrationRollbackSQLiteTests {
    @Test func skipTestThirdOfFiveFailsAndDownSectionsRevertTheFirstTwo() async throws {
        let p = try await SQLiteSafeProject.make("rollback-down")
        defer { p.dir.remove() }
        let before = try await p.snapshot()
        let report = try await p.up(SafeFixtures.pending(replacing: "0004_tags.sql", with: SafeFixtures.failingTags), flags: safetyFlags(skipTest: true))
        #expect(report.outcome == .rolledBack, "\(report.error ?? "")")
        #expect(report.databaseUnchanged)
        #expect(report.rehearsal == nil)
        #expect(report.warnings.contains { $0.contains("--skip-test") })
        let rollback = try #require(report.rollback)
        #expect(rollback.ok && rollback.method == "down")
        #expect(rollback.reverted == ["0003", "0002"])
        #expect(rollback.validation?.ok == true)
        #expect(report.migrations.map(\.version.digits) == ["0002", "0003"])
        #expect(report.toVersion == "0001")
        #expect(report.error?.contains("0004") == true && report.error?.contains("down sections") == true, "\(report.error ?? "")")
        #expect(report.stages.map(\.stage) == [.backup, .apply, .rollback])

        #expect(try await p.snapshot() == before)
        let events = try await p.events()
        #expect(events.contains(["0003", "down", "rolled_back"]) && events.contains(["0002", "down", "rolled_back"]), "\(events)")
    }

    @Test func noTransactionMigrationWithoutDownIsUndoneByRestoringTheBackup() async throws {
        let p = try await SQLiteSafeProject.make("rollback-restore")
        defer { p.dir.remove() }
        let before = try await p.snapshot()
        let report = try await p.up(SafeFixtures.pending(replacing: "0004_tags.sql", with: halfWayNoTransaction), flags: safetyFlags(skipTest: true))
        #expect(report.outcome == .rolledBack, "\(report.error ?? "")")
        let rollback = try #require(report.rollback)
        #expect(rollback.ok && rollback.method == "restore")
        #expect(rollback.attempts.first?.contains("outside a transaction") == true, "\(rollback.attempts)")
        #expect(rollback.reverted == ["0002", "0003"])

        #expect(try await p.snapshot() == before, "every table's rows and the schema are as before the run")
        #expect(try await p.versions() == ["0001"], "the dirty row is gone with the restore")
        let events = try await p.events()
        #expect(events.contains(["0001", "restore", "ok"]), "\(events)")
        #expect(events.contains(["0002", "up", "rolled_back"]) && events.contains(["0003", "up", "rolled_back"]), "\(events)")
    }

    @Test func failingValidationQueryTriggersTheRollback() async throws {
        let p = try await SQLiteSafeProject.make("rollback-validation", extra: """
            validate_queries = ["SELECT NOT EXISTS (SELECT 1 FROM items WHERE qty > 20)"]
            """)
        defer { p.dir.remove() }
        let before = try await p.snapshot()
        // 0002 brings plum to 22: the query returns false (0) after apply.
        let report = try await p.up(SafeFixtures.pending, flags: safetyFlags(skipTest: true))
        #expect(report.outcome == .rolledBack, "\(report.error ?? "")")
        let validation = try #require(report.validation)
        #expect(!validation.ok)
        #expect(validation.failures.map(\.kind) == ["query"])
        #expect(report.stages.first { $0.stage == .validation }?.ok == false)
        #expect(report.rollback?.method == "down")
        #expect(report.rollback?.reverted == ["0006", "0005", "0004", "0003", "0002"])
        #expect(report.error?.contains("post-migration validation failed") == true)
        #expect(try await p.snapshot() == before)

        // With the rehearsal on, the same failure is caught on the copy.
        let rehearsed = try await p.up(SafeFixtures.pending)
        #expect(rehearsed.outcome == .rehearsalFailed)
        #expect(rehearsed.rehearsal?.validation?.ok == false)
        #expect(try await p.snapshot() == before)
    }

    @Test func withoutBackupOrDownSectionTheRollbackFails() async throws {
        let p = try await SQLiteSafeProject.make("rollback-fails")
        defer { p.dir.remove() }
        let noDown = "-- strata:up\nUPDATE items SET qty = 99;\n"
        var files = SafeFixtures.pending(replacing: "0002_bump_qty.sql", with: noDown)
        files["0004_tags.sql"] = SafeFixtures.failingTags
        let report = try await p.up(files, flags: safetyFlags(skipBackup: true, skipTest: true))
        #expect(report.outcome == .rollbackFailed)
        #expect(!report.databaseUnchanged)
        #expect(report.backup == nil)
        let rollback = try #require(report.rollback)
        #expect(!rollback.ok)
        #expect(rollback.error?.contains("no backup") == true, "\(rollback)")
        #expect(rollback.attempts.contains { $0.contains("no down section in 0002") }, "\(rollback.attempts)")
        #expect(report.error?.contains("did not complete") == true)
        // The database is left where the failure left it: 0002 and 0003 applied, and the report says so.
        #expect(try await p.versions() == ["0001", "0002", "0003"])
        #expect(report.toVersion == "0003")
    }

    @Test func timeoutRollsBackTheRun() async throws {
        let p = try await SQLiteSafeProject.make("rollback-timeout")
        defer { p.dir.remove() }
        let before = try await p.snapshot()
        let report = try await p.up(SafeFixtures.pending(replacing: "0004_tags.sql", with: slow), flags: safetyFlags(skipTest: true),
                                    timeout: .milliseconds(200))
        #expect(report.outcome == .rolledBack, "\(report.error ?? "")")
        let timeout = try #require(report.cause as? SafetyTimeout)
        #expect(timeout.stage == .apply)
        #expect(report.error?.contains("--timeout 200ms") == true, "\(report.error ?? "")")
        #expect(report.rollback?.ok == true)
        #expect(try await p.snapshot() == before)
    }

    @Test func timeoutDuringTheRehearsalLeavesTheDatabaseAlone() async throws {
        let p = try await SQLiteSafeProject.make("rehearsal-timeout")
        defer { p.dir.remove() }
        let bytes = try fileDigest(p.db)
        let report = try await p.up(SafeFixtures.pending(replacing: "0004_tags.sql", with: slow), timeout: .milliseconds(200))
        #expect(report.outcome == .rehearsalFailed)
        #expect(report.rehearsal?.error?.contains("--timeout") == true, "\(report.rehearsal?.error ?? "")")
        #expect(try fileDigest(p.db) == bytes)
        #expect(rehearsalLeftovers(in: p.dir).isEmpty)
    }
}
