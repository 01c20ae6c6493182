import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// `strata preflight` and `strata check` end to end, written once for both databases.
/// `db` holds the arguments that choose the database (empty: the default `sqlite:strata.sqlite`).
enum GateCLIScenarios {
    static func preflightEmptyPartlyMigratedDirty(_ ws: CLIWorkspace, _ db: [String]) async throws {
        try ws.gateMigrations()
        let (empty, first) = try await ws.preflight(db)
        #expect(empty.exitCode == 0, "\(empty)")
        #expect(Set(try jsonObject(empty.stdout).keys) == PreflightOutput.keys)
        #expect(first.ok && first.reachable)
        #expect(first.historyTableExists == false)
        #expect(first.appliedCount == 0 && first.latestVersion == nil)
        #expect(first.pending?.map(\.version) == ["0001", "0002"])
        #expect(first.lockHolder == nil)
        #expect(first.serverVersion?.isEmpty == false)
        #expect(first.latencyMs != nil)
        #expect(first.check("history_table")?.detail.contains("does not exist yet") == true)

        let human = try await ws.run(["preflight"] + db)
        #expect(human.exitCode == 0, "\(human)")
        #expect(human.stdout.contains("[ok]   connectivity"), "\(human)")
        #expect(human.stdout.contains("ok: migrating may proceed (2 pending)"), "\(human)")

        let upOne = try await ws.run(["up", "--to", "0001"] + db)
        #expect(upOne.exitCode == 0, "\(upOne)")
        let (partlyRun, partly) = try await ws.preflight(db)
        #expect(partlyRun.exitCode == 0, "\(partlyRun)")
        #expect(partly.historyTableExists == true)
        #expect(partly.appliedCount == 1 && partly.latestVersion == "0001")
        #expect(partly.pendingCount == 1 && partly.pending == [.init(version: "0002", name: "create_posts")])

        try ws.brokenNoTransactionMigration()
        let broken = try await ws.run(["up"] + db)
        #expect(broken.exitCode == 1, "\(broken)")
        let (dirtyRun, dirty) = try await ws.preflight(db)
        #expect(dirtyRun.exitCode == 5, "\(dirtyRun)")
        #expect(!dirty.ok && dirty.reachable)
        let row = try #require(dirty.dirty?.first)
        #expect(row.version == "0003" && row.failedStatement == 2 && row.direction == "up")
        #expect(row.advice.contains("`strata repair 0003 --as applied`"))
        #expect(dirty.check("dirty")?.status == "fail")
        let dirtyHuman = try await ws.run(["preflight"] + db)
        #expect(dirtyHuman.exitCode == 5, "\(dirtyHuman)")
        #expect(dirtyHuman.stdout.contains("[FAIL] dirty"), "\(dirtyHuman)")
        #expect(dirtyHuman.stdout.contains("strata repair 0003 --as applied"), "\(dirtyHuman)")
        #expect(dirtyHuman.stderr.contains("pre-flight failed (dirty)"), "\(dirtyHuman)")
    }

    static func checkExitCodesAndMessages(_ ws: CLIWorkspace, _ db: [String]) async throws {
        try ws.gateMigrations()
        try ws.write("strata.toml", "required_tables = [\"users\", \"namespaces\", \"groups\"]\n")
        let dbText = db.isEmpty ? "" : " -d \(try #require(db.last.map { try DatabaseTarget.parse($0, origin: "test").display }))"

        // Nothing applied: pending (6), every pending version listed, and the command to run.
        let pending = try await ws.run(["check"] + db)
        #expect(pending.exitCode == 6, "\(pending)")
        #expect(pending.stderr.contains("missing required tables (3): users, namespaces, groups"), "\(pending)")
        #expect(pending.stderr.contains("pending migrations (2; nothing applied yet, head 0002): 0001 create_users, 0002 create_posts"), "\(pending)")
        #expect(pending.stderr.contains("Run the migrations before starting the app:\n  strata up\(dbText)\n"), "\(pending)")

        let (pendingJSONRun, pendingJSON) = try await ws.check(db)
        #expect(pendingJSONRun.exitCode == 6)
        #expect(Set(try jsonObject(pendingJSONRun.stdout).keys) == CheckOutput.keys)
        #expect(!pendingJSON.ready && pendingJSON.verdict == "pending")
        #expect(pendingJSON.pending.map(\.version) == ["0001", "0002"])
        #expect(pendingJSON.missingTables == ["users", "namespaces", "groups"])
        #expect(pendingJSON.fixCommand == "strata up\(dbText)")
        #expect(pendingJSON.headVersion == "0002" && pendingJSON.currentVersion == nil)

        // Everything applied, two required tables that no migration creates: 5, the names listed.
        let up = try await ws.run(["up"] + db)
        #expect(up.exitCode == 0, "\(up)")
        let missing = try await ws.run(["check"] + db)
        #expect(missing.exitCode == 5, "\(missing)")
        #expect(missing.stderr.contains("missing required tables (2): namespaces, groups"), "\(missing)")
        #expect(missing.stderr.contains("No migration is pending"), "\(missing)")

        // All there: 0.
        try ws.write("strata.toml", "required_tables = [\"users\", \"posts\"]\n")
        let ready = try await ws.run(["check"] + db)
        #expect(ready.exitCode == 0, "\(ready)")
        #expect(ready.stdout.contains("database schema is ready"), "\(ready)")
        #expect(ready.stdout.contains("at version 0002, 2 migrations applied, nothing pending; required tables present: users, posts"), "\(ready)")

        // An applied file edited afterwards: 5.
        try ws.migration("0002_create_posts.sql", up: "CREATE TABLE posts (id integer PRIMARY KEY, author_id integer);", down: "DROP TABLE posts;")
        let (changedRun, changed) = try await ws.check(db)
        #expect(changedRun.exitCode == 5, "\(changedRun)")
        #expect(changed.verdict == "invalid" && changed.changed.map(\.version) == ["0002"])
        #expect(changedRun.stderr.contains("strata repair --accept-checksum"), "\(changedRun)")
    }

    /// `check --wait` started first sees the schema not ready; another process migrates; the check then exits 0.
    static func checkWaitSucceedsOnceMigrated(_ ws: CLIWorkspace, _ db: [String], newestAppliedAt: () async throws -> Date?) async throws {
        try ws.gateMigrations()
        let waiting = try ws.start(["check", "--wait", "60s", "--json"] + db)
        #expect(await stderrShows(waiting, "waiting for the schema (up to 60s, looking every 1s): 2 pending (0001, 0002)"), "\(waiting.stderrSoFar)")
        #expect(waiting.isRunning)
        let up = try await ws.run(["up"] + db)
        #expect(up.exitCode == 0, "\(up)")
        let result = try await waiting.wait(limit: .seconds(60))
        #expect(result.exitCode == 0, "\(result)")
        let json = try decodeJSON(CheckOutput.self, from: result.stdout)
        #expect(json.ready && json.attempts >= 2)
        let applied = try #require(try await newestAppliedAt())
        #expect(try #require(Timestamps.parse(json.checkedAt)) >= applied, "ready only once the last migration was recorded")
    }
}

@Suite("CLI: preflight and check on SQLite")
struct GateCommandSQLiteTests {
    @Test("preflight on an empty, a partly migrated and a dirty database")
    func preflightStages() async throws {
        try await CLIWorkspace.with { ws in
            try await GateCLIScenarios.preflightEmptyPartlyMigratedDirty(ws, [])
        }
    }

    @Test("preflight never creates the SQLite file")
    func preflightCreatesNothing() async throws {
        try await CLIWorkspace.with { ws in
            try ws.gateMigrations()
            #expect(try await ws.run(["preflight"]).exitCode == 0)
            #expect(try await ws.run(["check"]).exitCode == 6)
            #expect(!ws.exists("strata.sqlite") && !ws.exists("strata.sqlite.strata-lock"))
        }
    }

    @Test("preflight: a changed applied file or a strata.sum mismatch exits 5")
    func preflightValidation() async throws {
        try await CLIWorkspace.with { ws in
            try ws.gateMigrations()
            #expect(try await ws.run(["up"]).exitCode == 0)
            try ws.migration("0001_create_users.sql", up: "CREATE TABLE users (id integer PRIMARY KEY);", down: "DROP TABLE users;")
            let (changedRun, changed) = try await ws.preflight([])
            #expect(changedRun.exitCode == 5, "\(changedRun)")
            #expect(changed.check("checksums")?.status == "fail")
            #expect(changed.changed == [.init(version: "0001", name: "create_users")])

            #expect(try await ws.run(["hash"]).exitCode == 0)
            try ws.migration("0002_create_posts.sql", up: "CREATE TABLE posts (id integer PRIMARY KEY, body text);", down: "DROP TABLE posts;")
            let (sumRun, sum) = try await ws.preflight([])
            #expect(sumRun.exitCode == 5, "\(sumRun)")
            #expect(sum.check("files")?.status == "fail")
            #expect(sum.check("files")?.detail.contains("strata.sum") == true)
            #expect(sum.check("pending")?.status == "skip")
            #expect(sum.reachable && sum.migrations == nil)
        }
    }

    @Test("preflight and check on an unreachable database exit 3")
    func unreachable() async throws {
        try await CLIWorkspace.with { ws in
            try ws.gateMigrations()
            let (r, json) = try await ws.preflight(["-d", closedPortURL])
            #expect(r.exitCode == 3, "\(r)")
            #expect(!json.ok && !json.reachable && json.serverVersion == nil && json.appliedCount == nil)
            #expect(json.check("connectivity")?.status == "fail")
            let check = try await ws.run(["check", "-d", closedPortURL])
            #expect(check.exitCode == 3, "\(check)")
            #expect(check.stderr.contains("cannot connect to postgres://strata@127.0.0.1:1/nothing"), "\(check)")
            let waited = try await ws.run(["check", "--wait", "3s", "-d", closedPortURL], limit: .seconds(30))
            #expect(waited.exitCode == 3, "\(waited)")
            #expect(waited.stderr.contains("still unreachable after --wait 3s"), "\(waited)")
            #expect(waited.stderr.contains("waiting for the schema"), "it retried: \(waited)")
        }
    }

    @Test("check: exit 6 for pending, 5 for missing tables or changed files, 0 when ready; the messages")
    func checkCodes() async throws {
        try await CLIWorkspace.with { ws in
            try await GateCLIScenarios.checkExitCodesAndMessages(ws, [])
        }
    }

    /// (Not `production`: there safe runs validate required_tables too and would refuse the `up` below.)
    @Test("check names the environment in the command to run, and reads required_tables from it")
    func checkEnvironment() async throws {
        try await CLIWorkspace.with { ws in
            try ws.gateMigrations()
            try ws.write("strata.toml", """
                required_tables = ["users"]
                [environments.staging]
                database = "sqlite:staging.sqlite"
                required_tables = ["users", "posts", "namespaces"]

                """)
            let pending = try await ws.run(["check", "--env", "staging"])
            #expect(pending.exitCode == 6, "\(pending)")
            #expect(pending.stderr.contains("database schema is not ready (sqlite:"), "\(pending)")
            #expect(pending.stderr.contains("staging.sqlite)"), "\(pending)")
            #expect(pending.stderr.contains("missing required tables (3): users, posts, namespaces"), "\(pending)")
            #expect(pending.stderr.hasSuffix("Run the migrations before starting the app:\n  strata up --env staging\n"), "\(pending)")
            #expect(try await ws.run(["up", "--env", "staging"]).exitCode == 0)
            let missing = try await ws.run(["check", "--env", "staging"])
            #expect(missing.exitCode == 5, "\(missing)")
            #expect(missing.stderr.contains("missing required tables (1): namespaces"), "\(missing)")
            #expect(try await ws.run(["check"]).exitCode == 6, "the default database is still empty")
        }
    }

    @Test("a bad required_tables setting is a configuration error (2)")
    func badRequiredTables() async throws {
        try await CLIWorkspace.with { ws in
            try ws.gateMigrations()
            try ws.write("strata.toml", "required_tables = \"users\"\n")
            let r = try await ws.run(["check"])
            #expect(r.exitCode == 2, "\(r)")
            #expect(r.stderr.contains("`required_tables` must be an array of strings"), "\(r)")
        }
    }

    @Test("check prints the same message as SchemaGate")
    func sameMessageAsSchemaGate() async throws {
        try await CLIWorkspace.with { ws in
            try ws.gateMigrations()
            let dir = ws.logDirectory.deletingLastPathComponent().appendingPathComponent("elsewhere/migrations")
            try FileManager.default.createDirectory(at: dir.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: ws.directory.appendingPathComponent("migrations"), to: dir)
            try ws.write("strata.toml", "required_tables = [\"users\", \"namespaces\"]\n")
            let db = "sqlite:\(ws.path("app.sqlite"))"
            #expect(try await ws.run(["up", "--to", "0001", "-d", db, "--dir", dir.path]).exitCode == 0)
            let cli = try await ws.run(["check", "-d", db, "--dir", dir.path])
            #expect(cli.exitCode == 6, "\(cli)")
            let gate = try SchemaGate(database: db, directory: dir.path, requiredTables: ["users", "namespaces"])
            let error = try await #require(throws: SchemaNotReadyError.self) { try await gate.verify() }
            #expect(cli.stderr == "error: \(error.description)\n")
        }
    }

    @Test("check --wait exits 0 once another process has applied the migrations")
    func checkWaitSucceeds() async throws {
        try await CLIWorkspace.with { ws in
            try await GateCLIScenarios.checkWaitSucceedsOnceMigrated(ws, []) {
                try await ws.withSQLite { try await $0.query("SELECT max(applied_at) FROM strata_migrations").first?[0] }?.flatMap(Timestamps.parse)
            }
        }
    }

    @Test("check --wait gives up when the time is up: exit 6 with the message")
    func checkWaitGivesUp() async throws {
        try await CLIWorkspace.with { ws in
            try ws.gateMigrations()
            let r = try await ws.run(["check", "--wait", "2s"], limit: .seconds(30))
            #expect(r.exitCode == 6, "\(r)")
            #expect(r.stderr.contains("still not ready after --wait 2s ("), "\(r)")
            #expect(r.stderr.contains("0001 create_users, 0002 create_posts"), "\(r)")
            #expect(r.stderr.components(separatedBy: "waiting for the schema").count <= 2, "at most one progress line for an unchanged state: \(r)")
        }
    }

    @Test("check --wait rejects a value that is not a duration (2)")
    func badWait() async throws {
        try await CLIWorkspace.with { ws in
            let r = try await ws.run(["check", "--wait", "soon"])
            #expect(r.exitCode == 2, "\(r)")
            #expect(r.stderr.contains("--wait soon: not a duration"), "\(r)")
        }
    }
}

@Suite("CLI: preflight, check and a simulated rollout on PostgreSQL", .enabled(if: TestEnvironment.postgresEnabled))
struct GateCommandPostgresTests {
    /// The newest `applied_at`, read as UTC.
    static func newestAppliedAt(_ db: CLITestDatabase) async throws -> Date? {
        try await db.scalar("SELECT \(PostgresDialect().timestampText("max(applied_at)")) FROM strata_migrations").flatMap(Timestamps.parse)
    }

    @Test("preflight on an empty, a partly migrated and a dirty database")
    func preflightStages() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try await GateCLIScenarios.preflightEmptyPartlyMigratedDirty(ws, ["-d", db.url])
            }
        }
    }

    @Test("preflight names the run holding the lock, as a warning (exit 0)")
    func preflightLockHolder() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.gateMigrations()
                // 0003 waits for a table lock the test holds, so the run keeps the migration lock until the test lets it go.
                try await db.execute("CREATE TABLE gate_blocker (id integer)")
                try ws.migration("0003_blocked.sql", up: "SELECT count(*) FROM gate_blocker;\nCREATE TABLE blocked (id integer);")
                let up = try await db.withSession { blocker in
                    try await blocker.execute("BEGIN")
                    try await blocker.execute("LOCK TABLE gate_blocker IN ACCESS EXCLUSIVE MODE")
                    let up = try ws.start(["up", "-d", db.url])
                    #expect(try await eventually(within: .seconds(60)) { try await db.isRunning("SELECT count(*) FROM gate_blocker") },
                            "the run reached 0003: \(up.stderrSoFar)")
                    let (r, json) = try await ws.preflight(["-d", db.url])
                    #expect(r.exitCode == 0, "\(r)")
                    let holder = try #require(json.lockHolder)
                    #expect(holder.contains("strata pid \(up.pid)"), "\(holder)")
                    #expect(json.check("lock")?.status == "warn")
                    let (checkRun, check) = try await ws.check(["-d", db.url])
                    #expect(checkRun.exitCode == 6, "\(checkRun)")
                    #expect(check.lockHolder?.contains("strata pid \(up.pid)") == true)
                    #expect(check.message.contains("a migration run holds the lock: strata pid \(up.pid)"), "\(check.message)")
                    try await blocker.execute("COMMIT")
                    return up
                }
                #expect(try await up.wait(limit: .seconds(60)).exitCode == 0)
                let (_, after) = try await ws.preflight(["-d", db.url])
                #expect(after.lockHolder == nil && after.check("lock")?.status == "ok")
            }
        }
    }

    @Test("check: exit 6 for pending, 5 for missing tables or changed files, 0 when ready; the messages")
    func checkCodes() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try await GateCLIScenarios.checkExitCodesAndMessages(ws, ["-d", db.url])
            }
        }
    }

    @Test("check --wait exits 0 once another process has applied the migrations")
    func checkWaitSucceeds() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try await GateCLIScenarios.checkWaitSucceedsOnceMigrated(ws, ["-d", db.url]) { try await Self.newestAppliedAt(db) }
            }
        }
    }

    @Test("check --wait waits out a database that does not exist yet, then sees it migrated")
    func checkWaitsOutUnreachable() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.gateMigrations()
                let later = db.name + "_later"
                let url = db.url.replacingOccurrences(of: "/" + db.name, with: "/" + later)
                let server = try DriverTestDatabase.postgresServerTarget()
                let waiting = try ws.start(["check", "--wait", "60s", "-d", url])
                #expect(await stderrShows(waiting, "cannot connect to postgres://"), "\(waiting.stderrSoFar)")
                #expect(waiting.isRunning)
                try await PostgresDriver(target: server).withSession { try await $0.execute("CREATE DATABASE \(later)") }
                do {
                    let up = try await ws.run(["up", "-d", url])
                    #expect(up.exitCode == 0, "\(up)")
                    let result = try await waiting.wait(limit: .seconds(60))
                    #expect(result.exitCode == 0, "\(result)")
                    #expect(result.stdout.contains("database schema is ready"), "\(result)")
                } catch {
                    _ = try? await PostgresDriver(target: server).withSession { try await $0.execute("DROP DATABASE IF EXISTS \(later) WITH (FORCE)") }
                    throw error
                }
                _ = try? await PostgresDriver(target: server).withSession { try await $0.execute("DROP DATABASE IF EXISTS \(later) WITH (FORCE)") }
            }
        }
    }

    @Test("simulated rollout: five `up` processes at once while the app loops on `check --wait 60s`")
    func rollout() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                let count = 6
                for i in 1...count {
                    try ws.migration("\(version(i))_step\(i).sql", up: "SELECT pg_sleep(0.3);\nCREATE TABLE step\(i) (id integer PRIMARY KEY);",
                                     down: "DROP TABLE step\(i);")
                }
                try ws.write("strata.toml", "required_tables = [\"step1\"]\n")
                let app = try ws.start(["check", "--wait", "60s", "--json", "-d", db.url])
                #expect(await stderrShows(app, "waiting for the schema"), "the app saw the schema not ready: \(app.stderrSoFar)")
                let pods = try (0..<5).map { _ in try ws.start(["up", "-d", db.url, "--lock-wait", "60s"]) }
                var results: [CLIResult] = []
                for p in pods { results.append(try await p.wait(limit: .seconds(90))) }
                for r in results { #expect(r.exitCode == 0, "\(r)") }
                let appResult = try await app.wait(limit: .seconds(90))
                #expect(appResult.exitCode == 0, "\(appResult)")
                let json = try decodeJSON(CheckOutput.self, from: appResult.stdout)
                #expect(json.ready && json.attempts >= 2 && json.currentVersion == version(count))
                let lastApplied = try #require(try await Self.newestAppliedAt(db))
                let checkedAt = try #require(Timestamps.parse(json.checkedAt))
                #expect(checkedAt >= lastApplied, "the app's check succeeded only after the last migration (\(lastApplied)) was applied")

                let perVersion = try await db.query("""
                    SELECT version, count(*) FROM strata_events WHERE direction = 'up' AND outcome = 'ok' GROUP BY version ORDER BY version
                    """)
                #expect(perVersion.map { $0[0] ?? "" } == (1...count).map(version))
                #expect(perVersion.allSatisfy { $0[1] == "1" }, "every migration ran exactly once: \(perVersion)")
                #expect(try await db.scalar("SELECT count(*) FROM strata_events WHERE outcome <> 'ok'") == "0")
                #expect(try await db.scalar("SELECT count(*) FROM strata_migrations WHERE state = 'applied'") == "\(count)")
                let applyLines = results.flatMap { $0.stdout.split(separator: "\n").filter { $0.contains("✓") } }
                #expect(applyLines.count == count, "each migration reported applied by exactly one pod: \(applyLines)")
            }
        }
    }
}
