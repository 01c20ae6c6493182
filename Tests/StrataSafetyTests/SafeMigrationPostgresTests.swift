// SafeMigration on PostgreSQL (one fresh database per test): the issue's acceptance scenarios — the rehearsal
// catches the third of five, down sections revert a --skip-test run, a half-applied no-transaction migration
// is undone by restoring the backup — compared with pg_dump output; and reports never hold the password.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety
import StrataTestSupport

/// A project whose production environment is a fresh test database (given with `--database`, password included).
struct PostgresSafeProject {
    let dir: SafetyTempDir
    let db: DriverTestDatabase
    let target: PostgresTarget
    let config: StrataConfig
    var copies: RehearsalCopies { RehearsalCopies(target: .postgres(target), makeDriver: { Drivers.driver(for: $0) }) }

    /// Runs `body` with the baseline applied; drops the database, any rehearsal copy and the directory afterwards.
    static func with(_ label: String, extra: String = "", _ body: (PostgresSafeProject) async throws -> Void) async throws {
        let dir = try SafetyTempDir(label)
        defer { dir.remove() }
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let target = try db.postgresTarget()
            var url = try #require(URLComponents(string: try TestEnvironment.requiredPostgresURL()))
            url.path = "/" + (target.database ?? "")
            try dir.write("strata.toml", "\(extra)\n[environments.production]\n")
            let config = try resolveConfig(in: dir, env: "production", database: url.string ?? "")
            let project = PostgresSafeProject(dir: dir, db: db, target: target, config: config)
            do {
                try await plainUp(config, SafeFixtures.baseline)
                try await body(project)
            } catch {
                await PostgresServer.dropAll(prefix: project.copies.postgresPrefix)
                throw error
            }
            await PostgresServer.dropAll(prefix: project.copies.postgresPrefix)
        }
    }

    func up(_ pending: [String: String], flags: SafetyFlags = SafetyFlags()) async throws -> SafetyReport {
        try await safeUp(config, SafeFixtures.all(pending), flags: flags)
    }

    /// Schema dump and the data of every table but `strata_events` (which every run adds to).
    func state() async throws -> (schema: String, data: String) {
        let data = try await PostgresDumps.dump(target, ["--data-only", "--exclude-table-data=strata_events"])
            .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("strata_events_id_seq") }.joined(separator: "\n")
        return (try await PostgresDumps.schema(target), data)
    }

    func leftoverCopies() async throws -> [String] { try await PostgresServer.databases(prefix: copies.postgresPrefix) }
}

@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct SafeMigrationPostgresTests {
    @Test func rehearsalCatchesTheThirdOfFiveAndTheDatabaseIsUnchanged() async throws {
        try await PostgresSafeProject.with("pg-safe-rehearsal") { p in
            let schema = try await PostgresDumps.schema(p.target)
            let data = try await PostgresDumps.data(p.target)
            let counts = try await PostgresDumps.rowCounts(p.db)
            let report = try await p.up(SafeFixtures.pending(replacing: "0004_tags.sql", with: SafeFixtures.failingTags))
            #expect(report.outcome == .rehearsalFailed, "\(report.error ?? "")")
            let rehearsal = try #require(report.rehearsal)
            #expect(rehearsal.method == "template")
            #expect(rehearsal.steps.map(\.version.digits) == ["0002", "0003"])
            #expect(rehearsal.error?.contains("0004") == true && rehearsal.error?.contains("no_such_table") == true, "\(rehearsal.error ?? "")")
            #expect(report.text.contains("0004 tags"))
            #expect(report.backup?.tool == "pg_dump (PostgreSQL) 15")
            #expect(try await PostgresDumps.schema(p.target) == schema)
            #expect(try await PostgresDumps.data(p.target) == data)
            #expect(try await PostgresDumps.rowCounts(p.db) == counts)
            #expect(try await p.leftoverCopies().isEmpty)
        }
    }

    @Test func allStagesPassAndStaleCopiesAreDropped() async throws {
        try await PostgresSafeProject.with("pg-safe-ok", extra: "required_tables = [\"items\", \"notes\"]") { p in
            let stale = p.copies.postgresPrefix + "0000dead0000"
            try await PostgresServer.withSession { try await $0.execute("CREATE DATABASE \(stale)") }
            let report = try await p.up(SafeFixtures.pending)
            #expect(report.outcome == .ok, "\(report.error ?? "")")
            #expect(report.rehearsal?.staleCopiesDropped == [stale])
            #expect(report.rehearsal?.ok == true)
            #expect(report.validation?.ok == true)
            #expect(report.toVersion == "0006")
            #expect(try await p.leftoverCopies().isEmpty)
            #expect(try await p.db.value("SELECT string_agg(qty::text, ',' ORDER BY id) FROM items") == "13,10,22")
        }
    }

    @Test func skipTestThirdOfFiveIsRevertedByDownSections() async throws {
        try await PostgresSafeProject.with("pg-safe-down") { p in
            let before = try await p.state()
            let report = try await p.up(SafeFixtures.pending(replacing: "0004_tags.sql", with: SafeFixtures.failingTags), flags: safetyFlags(skipTest: true))
            #expect(report.outcome == .rolledBack, "\(report.error ?? "")")
            #expect(report.rollback?.method == "down")
            #expect(report.rollback?.reverted == ["0003", "0002"])
            let after = try await p.state()
            #expect(after.schema == before.schema)
            #expect(after.data == before.data)
        }
    }

    @Test func halfAppliedNoTransactionMigrationIsUndoneByTheBackup() async throws {
        try await PostgresSafeProject.with("pg-safe-restore") { p in
            let before = try await p.state()
            let noDown = """
                -- strata:up
                -- strata:no-transaction
                INSERT INTO items (id, name, qty) VALUES (4, 'fig', 1);
                UPDATE items SET qty = 0;
                CREATE TABLE half (id int);
                INSERT INTO no_such_table VALUES (1);
                """
            let report = try await p.up(SafeFixtures.pending(replacing: "0004_tags.sql", with: noDown), flags: safetyFlags(skipTest: true))
            #expect(report.outcome == .rolledBack, "\(report.error ?? "")")
            #expect(report.rollback?.method == "restore")
            let after = try await p.state()
            #expect(after.schema == before.schema)
            #expect(after.data == before.data)
            let events = try await p.db.values("SELECT coalesce(version, '-'), direction, outcome FROM strata_events ORDER BY id")
            #expect(events.contains(["0001", "restore", "ok"]), "\(events)")
        }
    }

    @Test func timeoutCancelsTheRunningStatementAndRollsBack() async throws {
        try await PostgresSafeProject.with("pg-safe-timeout") { p in
            let before = try await p.state()
            let slow = "-- strata:up\nCREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n-- strata:down\nDROP TABLE slow;\n"
            let safe = try await makeSafeMigration(p.config, SafeFixtures.all(SafeFixtures.pending(replacing: "0004_tags.sql", with: slow)),
                                                   flags: safetyFlags(skipTest: true), timeout: .milliseconds(500))
            let report = try await safe.run()
            #expect(report.outcome == .rolledBack, "\(report.error ?? "")")
            #expect((report.cause as? SafetyTimeout)?.stage == .apply)
            #expect(report.rollback?.method == "down")
            let after = try await p.state()
            #expect(after.schema == before.schema)
            #expect(after.data == before.data)
            #expect(try await p.db.value("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()") == "0",
                    "the slow statement was cancelled on the server")
        }
    }

    /// The password appears in a failing statement and its error, on the copy and on the real database;
    /// the report, its JSON, the log and the backup manifest hold none of it.
    @Test func reportsAndBackupsNeverHoldThePassword() async throws {
        try await PostgresSafeProject.with("pg-safe-secret") { p in
            let password = try #require(p.target.password)
            let leaky = """
                -- strata:up
                CREATE TABLE leak (v text);
                SELECT '\(password.replacingOccurrences(of: "'", with: "''"))'::int;
                """
            let files = SafeFixtures.pending(replacing: "0003_notes.sql", with: leaky)
                .merging(["0002_bump_qty.sql": "-- strata:up\nUPDATE items SET qty = qty + 1;\n"]) { _, b in b }
            let safe = try await makeSafeMigration(p.config, SafeFixtures.all(files), flags: safetyFlags(force: true))
            var report = try await safe.run()
            #expect(report.outcome == .rolledBack, "\(report.error ?? "")")
            #expect(report.rehearsal?.ok == false)
            #expect(report.rollback?.method == "restore")
            let written = try report.write(to: safe.settings.reportDirectory, log: safe.log.all, redactor: p.config.redactor)
            #expect(written.count == 3)
            #expect(written.allSatisfy { $0.hasPrefix(p.dir.file("reports/production/")) })
            let backupDir = p.dir.file("backups/production")
            let backupFiles = try FileManager.default.contentsOfDirectory(atPath: backupDir).map { backupDir + "/" + $0 }
            #expect(backupFiles.count == 2)
            for path in written + backupFiles {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                #expect(bytes.range(of: Data(password.utf8)) == nil, "\(path) holds the password")
            }
            let text = try String(contentsOfFile: written[0], encoding: .utf8)
            #expect(text.contains("***"), "the password was there to redact")
            #expect(text.contains("rolled_back") && text.contains("0003"))
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: written[1]))) as? [String: Any]
            #expect(json?["run_id"] as? String == report.runID)
            #expect(SafetyReports.find(runID: report.runID, in: safe.settings.reportDirectory) == written[1])
        }
    }
}
