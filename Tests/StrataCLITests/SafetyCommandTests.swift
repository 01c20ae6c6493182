import Foundation
import StrataKit
import StrataTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The safety pipeline of `strata up --env production`, end to end on PostgreSQL: the acceptance list of issue 3.
@Suite("CLI on PostgreSQL: safe runs", .enabled(if: TestEnvironment.postgresEnabled))
struct SafetyCommandTests {
    /// A base migration (accounts with rows) applied without safety, then five pending ones; `third` replaces 0004.
    static func prepare(_ ws: CLIWorkspace, _ db: CLITestDatabase, config: String = "", third: String? = nil, thirdDown: String? = "SELECT 1;",
                        noTransactionThird: Bool = false) async throws {
        try ws.productionConfig(db, config)
        try ws.migration("0001_base.sql", up: "CREATE TABLE accounts (id serial PRIMARY KEY, owner text NOT NULL, balance int NOT NULL);\nINSERT INTO accounts (owner, balance) SELECT 'o' || g, g * 10 FROM generate_series(1, 50) g;",
                         down: "DROP TABLE accounts;")
        let base = try await ws.run(["up", "--env", "production", "--to", "0001", "--skip-backup", "--skip-test"])
        #expect(base.exitCode == 0, "\(base)")
        try ws.migration("0002_add_email.sql", up: "ALTER TABLE accounts ADD COLUMN email text;\nUPDATE accounts SET email = owner || '@example.com';",
                         down: "ALTER TABLE accounts DROP COLUMN email;")
        try ws.migration("0003_more_accounts.sql", up: "INSERT INTO accounts (owner, balance) VALUES ('new1', 1), ('new2', 2);",
                         down: "DELETE FROM accounts WHERE owner IN ('new1', 'new2');")
        let text = third ?? "CREATE TABLE broken (id int);\nINSERT INTO no_such_table VALUES (1);"
        try ws.write("migrations/0004_third.sql", (noTransactionThird ? "-- strata:up\n-- strata:no-transaction\n\(text)\n" : CLIWorkspace.migrationText(up: text, down: thirdDown)))
        try ws.migration("0005_index.sql", up: "CREATE INDEX accounts_owner ON accounts (owner);", down: "DROP INDEX accounts_owner;")
        try ws.migration("0006_audit.sql", up: "CREATE TABLE audit (id serial PRIMARY KEY, note text);", down: "DROP TABLE audit;")
    }

    @Test("five pending, the third fails: the rehearsal catches it, the database is unchanged, no copy remains")
    func rehearsalCatchesFailure() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try await Self.prepare(ws, db)
                let schema = try db.schemaDump()
                let rows = try await db.rowChecksums()
                let history = try await db.scalar("SELECT count(*) FROM strata_events")
                let r = try await ws.run(["up", "--env", "production"])
                #expect(r.exitCode == 9, "\(r)")
                #expect(r.stderr.contains("0004 third"), "the error names the migration: \(r)")
                #expect(r.stderr.contains("real database was not touched"), "\(r)")
                #expect(try db.schemaDump() == schema)
                #expect(try await db.rowChecksums() == rows)
                #expect(try await db.scalar("SELECT count(*) FROM strata_events") == history, "not even an event was written")
                #expect(try await db.rehearsalCopies().isEmpty)
                let reports = try ws.safetyFiles().filter { $0.key.hasSuffix(".json") && $0.key.hasPrefix("reports/") }
                let json = try #require(try reports.values.map(jsonObject).first { $0["rehearsal"] != nil })
                #expect(json["outcome"] as? String == "rehearsal_failed")
                let rehearsal = try #require(json["rehearsal"] as? [String: Any])
                #expect((rehearsal["error"] as? String)?.contains("0004 third") == true)
                #expect(rehearsal["method"] as? String == "template")
            }
        }
    }

    @Test("--skip-test, the third of five fails after two changed data: reverted by down sections, exit 7")
    func downRollback() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try await Self.prepare(ws, db)
                let schema = try db.schemaDump()
                let rows = try await db.rowChecksums()
                let r = try await ws.run(["up", "--env", "production", "--skip-test", "--json"])
                #expect(r.exitCode == 7, "\(r)")
                let json = try jsonObject(r.stdout)
                #expect(json["outcome"] as? String == "rolled_back")
                let rollback = try #require(json["rollback"] as? [String: Any])
                #expect(rollback["method"] as? String == "down")
                #expect(rollback["reverted"] as? [String] == ["0003", "0002"])
                #expect(try db.schemaDump() == schema)
                #expect(try await db.rowChecksums() == rows)
                #expect(try await db.appliedVersions() == ["0001"])
                #expect(try await db.scalar("SELECT count(*) FROM strata_events WHERE outcome = 'rolled_back' AND direction = 'down'") == "2")
            }
        }
    }

    @Test("a no-transaction migration without down fails half-way: the backup is restored, every row as before")
    func restoreRollback() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try await Self.prepare(ws, db, third: "UPDATE accounts SET balance = -1;\nINSERT INTO no_such_table VALUES (1);", noTransactionThird: true)
                let schema = try db.schemaDump()
                let rows = try await db.rowChecksums()
                let r = try await ws.run(["up", "--env", "production", "--skip-test"])
                #expect(r.exitCode == 7, "\(r)")
                #expect(r.stdout.contains("rollback") && r.stdout.contains("by restore"), "\(r)")
                #expect(try db.schemaDump() == schema)
                #expect(try await db.rowChecksums() == rows)
                #expect(try await db.appliedVersions() == ["0001"])
                #expect(try await db.scalar("SELECT count(*) FROM strata_events WHERE direction = 'restore'") == "1")
                let status = try await ws.run(["status", "--env", "production"])
                #expect(!status.stdout.contains("dirty"), "\(status)")
            }
        }
    }

    @Test("a failing validation query after apply triggers the rollback")
    func validationRollback() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try await Self.prepare(ws, db, config: "validate_queries = [\"SELECT count(*) = 0 FROM accounts WHERE balance < 0\"]\nrequired_tables = [\"accounts\"]",
                                       third: "UPDATE accounts SET balance = -5 WHERE id = 1;", thirdDown: "UPDATE accounts SET balance = 10 WHERE id = 1;")
                let rows = try await db.rowChecksums()
                let r = try await ws.run(["up", "--env", "production", "--skip-test"])
                #expect(r.exitCode == 7, "\(r)")
                #expect(r.stderr.contains("validation failed"), "\(r)")
                #expect(try await db.rowChecksums() == rows)
                #expect(try await db.appliedVersions() == ["0001"])
            }
        }
    }

    @Test("kill -9 during the rehearsal: the next run drops the stale copy")
    func staleCopyDropped() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try await Self.prepare(ws, db, third: "SELECT pg_sleep(60);")
                let p = try ws.start(["up", "--env", "production"])
                let copying = try await eventually(within: .seconds(30)) {
                    let copies = try await db.rehearsalCopies()
                    let sleeping = try await db.scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()")
                    return !copies.isEmpty && sleeping != "0"
                }
                #expect(copying, "the rehearsal never reached the slow migration")
                p.send(SIGKILL)
                _ = try await p.wait(limit: .seconds(10))
                let left = try await db.rehearsalCopies()
                #expect(!left.isEmpty, "kill -9 leaves the copy behind")
                try ws.migration("0004_third.sql", up: "SELECT 1;", down: "SELECT 1;")
                let r = try await ws.run(["up", "--env", "production", "--json"], limit: .seconds(90))
                #expect(r.exitCode == 0, "\(r)")
                let json = try jsonObject(r.stdout)
                let rehearsal = try #require(json["rehearsal"] as? [String: Any])
                #expect(rehearsal["stale_copies_dropped"] as? [String] == left)
                #expect(try await db.rehearsalCopies().isEmpty)
                #expect(try await db.appliedVersions() == ["0001", "0002", "0003", "0004", "0005", "0006"])
            }
        }
    }

    @Test("old backups are pruned after a good run; restore latest --yes brings back the state before it; no secret in any file")
    func pruneRestoreAndSecrets() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try await Self.prepare(ws, db, third: "UPDATE accounts SET balance = balance + 1;", thirdDown: "UPDATE accounts SET balance = balance - 1;")
                let manual = try await ws.run(["backup", "--env", "production", "--json"])
                #expect(manual.exitCode == 0, "\(manual)")
                // Age the manual backup's manifest by 40 days.
                let manifest = try #require(try ws.safetyFiles().keys.first { $0.hasPrefix("backups/") && $0.contains("manual-") && $0.hasSuffix(".json") })
                var m = try jsonObject(try ws.read(manifest))
                m["created_at"] = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-40 * 86_400))
                try ws.write(manifest, String(decoding: try JSONSerialization.data(withJSONObject: m), as: UTF8.self))
                let schema = try db.schemaDump()
                let rows = try await db.rowChecksums()

                let up = try await ws.run(["up", "--env", "production"], limit: .seconds(90))
                #expect(up.exitCode == 0, "\(up)")
                #expect(try await db.appliedVersions().count == 6)
                let list = try await ws.run(["backups", "--env", "production", "--json"])
                let backups = try #require(try jsonObject(list.stdout)["backups"] as? [[String: Any]])
                #expect(backups.count == 1, "the 40-day-old manual backup was pruned: \(list)")
                #expect(backups.first?["kind"] as? String == "pre-migration")

                let restore = try await ws.run(["restore", "latest", "--yes", "--env", "production"], limit: .seconds(60))
                #expect(restore.exitCode == 0, "\(restore)")
                #expect(try db.schemaDump() == schema)
                #expect(try await db.rowChecksums() == rows)
                #expect(try await db.appliedVersions() == ["0001"])
                let noConfirm = try await ws.run(["restore", "latest", "--env", "production"])
                #expect(noConfirm.exitCode == 2, "without a terminal, restore needs --yes: \(noConfirm)")

                for (file, text) in try ws.safetyFiles() {
                    #expect(!text.contains(db.password), "\(file) holds the password")
                }
                for r in [manual, up, list, restore] { #expect(!r.output.contains(db.password)) }
            }
        }
    }
}
