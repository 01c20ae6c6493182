import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// In a `--single-transaction` run on PostgreSQL, consecutive small migrations travel together as one `DO` block.
/// These tests check that a grouped run applies, records and fails exactly as the same run sent statement by statement.
@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct PostgresGroupTests {
    func options(batch: Bool = true, dryRun: Bool = false) -> RunOptions {
        var o = RunOptions()
        o.batchStatements = batch
        o.singleTransaction = true
        o.dryRun = dryRun
        o.lockWait = .seconds(30)
        return o
    }

    /// `count` migrations `0001_t1.sql` … each creating a table and an index, with a down section.
    static func tables(_ count: Int, from first: Int = 1) -> [String: String] {
        var files: [String: String] = [:]
        for i in first..<(first + count) {
            files[String(format: "%04d_t%d.sql", i, i)] = """
                -- strata:up
                CREATE TABLE t\(i) (id bigint PRIMARY KEY, v text NOT NULL);
                CREATE INDEX t\(i)_v ON t\(i) (v);
                -- strata:down
                DROP TABLE t\(i);
                """
        }
        return files
    }

    @Test("250 migrations (three groups) apply, record one row and one event each, and revert")
    func manyMigrations() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrations = try await InMemorySource(files: Self.tables(250)).migrations()
            let report = try await PG.migrator(db).run(.up(to: nil), migrations: migrations, options: options())
            #expect(report.steps.map(\.version.digits) == migrations.map(\.version.digits))
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_migrations WHERE state = 'applied'") == "250")
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_events WHERE outcome = 'ok' AND direction = 'up'") == "250")
            #expect(try await PG.value(db, "SELECT count(*) FROM pg_class WHERE relname ~ '^t[0-9]+(_v)?$'") == "500")
            let down = try await PG.migrator(db).run(.down(steps: 1, to: try #require(MigrationVersion("0"))), migrations: migrations, options: options())
            #expect(down.steps.count == 250)
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_migrations") == "0")
            #expect(try await PG.value(db, "SELECT count(*) FROM pg_class WHERE relname ~ '^t[0-9]+(_v)?$'") == "0")
        }
    }

    @Test("a failure inside a group names the migration, statement and line, as statement by statement, and rolls back everything")
    func failureInsideAGroup() async throws {
        var files = Self.tables(5)
        files["0004_t4.sql"] = """
            -- strata:up
            CREATE TABLE t4 (id integer PRIMARY KEY);
            INSERT INTO t4 VALUES (1);
            SELECT id,
                   no_such_column
              FROM t4;
            CREATE TABLE never (id integer);
            """
        var seen: [MigrationFailure] = []
        for batch in [true, false] {
            try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
                let migrations = try await InMemorySource(files: files).migrations()
                let events = EventLog()
                let f = try await #require(throws: MigrationFailure.self) {
                    try await PG.migrator(db).run(.up(to: nil), migrations: migrations, options: options(batch: batch), onEvent: events.onEvent)
                }
                #expect(f.version.digits == "0004")
                #expect(f.file.hasSuffix("0004_t4.sql"))
                #expect(f.statementIndex == 3 && f.statementCount == 4)
                #expect(f.line == 5, "the error's position points into the statement's second line")
                #expect(f.sqlState == "42703")
                #expect(f.wholeRunRolledBack)
                #expect(!f.cause.contains("inline_code_block") && !f.cause.contains("strata_batch"), "\(f.cause)")
                #expect(try await db.tables().allSatisfy { $0.hasPrefix("strata_") }, "nothing of the run is left")
                #expect(try await PG.value(db, "SELECT count(*) FROM strata_migrations") == "0")
                #expect(try await PG.value(db, "SELECT version || ' ' || outcome FROM strata_events") == "0004 rolled_back")
                #expect(events.failed == ["0004"], "the failed step is the one reported: \(events.failed)")
                seen.append(f)
            }
        }
        #expect(seen[0].cause == seen[1].cause)
    }

    @Test("each migration's duration is measured by the server, and the events follow one another")
    func durationsAreServerMeasured() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            var files = Self.tables(3)
            files["0002_t2.sql"] = "-- strata:up\nSELECT pg_sleep(0.4);\n-- strata:down\nSELECT 1;\n"
            let migrations = try await InMemorySource(files: files).migrations()
            let events = EventLog()
            let report = try await PG.migrator(db).run(.up(to: nil), migrations: migrations, options: options(), onEvent: events.onEvent)
            #expect(report.steps.map(\.durationMs).map { $0 >= 400 } == [false, true, false], "\(report.steps.map(\.durationMs))")
            #expect(events.finished == ["0001", "0002", "0003"])
            #expect(events.started == ["0001", "0002", "0003"])
            let recorded = try await db.driver.withSession { s in
                try await s.query("SELECT version, duration_ms FROM strata_migrations ORDER BY version")
            }.map { "\($0[0] ?? "") \((Int($0[1] ?? "") ?? -1) >= 400)" }
            #expect(recorded == ["0001 false", "0002 true", "0003 false"])
            // The events' times come from the same clocks: each ends before the next starts.
            #expect(try await PG.value(db, """
                SELECT bool_and(started_at <= finished_at AND finished_at <= coalesce(next, finished_at))
                  FROM (SELECT started_at, finished_at, lead(started_at) OVER (ORDER BY version) AS next FROM strata_events) e
                """) == "true")
            #expect(try await PG.value(db, "SELECT extract(epoch FROM finished_at - started_at) >= 0.4 FROM strata_events WHERE version = '0002'") == "true")
        }
    }

    @Test("SELECT INTO, a verify section and a statement timeout split or stop grouping, and the run still applies")
    func whatCannotBeGrouped() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            var files = Self.tables(4)
            files["0002_t2.sql"] = nil
            files["0002_into.sql"] = "-- strata:up\nCREATE TABLE src (id integer);\nINSERT INTO src VALUES (7);\nSELECT id INTO copied FROM src;\n"
            files["0003_t3.sql"] = "-- strata:up\nCREATE TABLE t3 (id integer);\n-- strata:verify\nSELECT 1 / (SELECT count(*) + 1 FROM t3)::integer;\n"
            let migrations = try await InMemorySource(files: files).migrations()
            let report = try await PG.migrator(db).run(.up(to: nil), migrations: migrations, options: options())
            #expect(report.steps.count == 4)
            #expect(try await PG.value(db, "SELECT id FROM copied") == "7")
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_migrations") == "4")

            // A failing verify section inside a group is reported as the verify statement.
            let failing = try await InMemorySource(files: Self.tables(2, from: 5).merging([
                "0007_v.sql": "-- strata:up\nCREATE TABLE v (id integer);\n-- strata:verify\nSELECT 1;\nSELECT 1 / (SELECT count(*) FROM v)::integer;\n",
            ]) { a, _ in a }).migrations()
            let f = try await #require(throws: MigrationFailure.self) {
                try await PG.migrator(db).run(.up(to: nil), migrations: migrations + failing, options: options())
            }
            #expect(f.version.digits == "0007" && f.inVerify && f.statementIndex == 2 && f.sqlState == "22012")
            #expect(try await PG.value(db, "SELECT to_regclass('t5') IS NULL AND to_regclass('v') IS NULL") == "true")

            // With a statement timeout every statement is sent alone, so that the timeout is per statement.
            var timed = options()
            timed.statementTimeout = .milliseconds(200)
            let slow = try await InMemorySource(files: Self.tables(2, from: 5).merging([
                "0007_slow.sql": "-- strata:up\nSELECT pg_sleep(0.15);\nSELECT pg_sleep(0.15);\n",
            ]) { a, _ in a }).migrations()
            let r = try await PG.migrator(db).run(.up(to: nil), migrations: migrations + slow, options: timed)
            #expect(r.steps.count == 3, "two statements of 150 ms each pass a 200 ms per-statement timeout")
        }
    }

    @Test("a failed redo is reported against its up step, not the down step of the same version in the group")
    func redoFailureNamesTheUpStep() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrations = try await InMemorySource(files: [
                "0001_log.sql": "-- strata:up\nCREATE TABLE log (id integer PRIMARY KEY);\n-- strata:down\nDROP TABLE log;\n",
                // Its down section leaves the log row, so applying it again fails on the duplicate key.
                "0002_r.sql": "-- strata:up\nCREATE TABLE r (id integer);\nINSERT INTO log VALUES (2);\n-- strata:down\nDROP TABLE r;\n",
            ]).migrations()
            _ = try await PG.migrator(db).run(.up(to: nil), migrations: migrations, options: options())
            let events = EventLog()
            let f = try await #require(throws: MigrationFailure.self) {
                try await PG.migrator(db).run(.redo(steps: 1), migrations: migrations, options: options(), onEvent: events.onEvent)
            }
            #expect(f.direction == .up && f.version.digits == "0002" && f.statementIndex == 2 && f.sqlState == "23505")
            let failed = events.all.compactMap { e -> String? in
                if case .stepFailed(let i, _, let step, _) = e { "\(i) \(step.direction.rawValue)" } else { nil }
            }
            #expect(failed == ["2 up"])
            #expect(try await PG.value(db, "SELECT to_regclass('r') IS NOT NULL") == "true", "the whole redo was rolled back")
        }
    }

    @Test("with a statement_timeout from the database's settings, statements go one by one: the timeout stays per statement")
    func serverStatementTimeoutTurnsBatchingOff() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            try await PG.setForDatabase(db, "statement_timeout = 400")  // milliseconds
            var files: [String: String] = [:]
            for i in 1...3 { files["000\(i)_s.sql"] = "-- strata:up\nSELECT pg_sleep(0.25);\nSELECT pg_sleep(0.25);\n-- strata:down\nSELECT 1;\n" }
            let migrations = try await InMemorySource(files: files).migrations()
            // Grouped (single transaction) or batched (a transaction each), a block would run 0.5 s or more.
            let single = try await PG.migrator(db).run(.up(to: nil), migrations: migrations, options: options())
            #expect(single.steps.count == 3)
            _ = try await PG.migrator(db).run(.down(steps: 3, to: nil), migrations: migrations, options: options())
            var each = options()
            each.singleTransaction = false
            #expect(try await PG.migrator(db).run(.up(to: nil), migrations: migrations, options: each).steps.count == 3)
        }
    }

    @Test("a migration that sets statement_timeout itself turns batching off for the run")
    func migrationStatementTimeoutTurnsBatchingOff() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            // The setting outlives its migration's transaction: a later migration sent as one block would be timed whole.
            var files: [String: String] = ["0001_set.sql": "-- strata:up\nSET statement_timeout = '400ms';\n"]
            for i in 2...3 { files["000\(i)_s.sql"] = "-- strata:up\nSELECT pg_sleep(0.25);\nSELECT pg_sleep(0.25);\n" }
            let migrations = try await InMemorySource(files: files).migrations()
            var each = options()
            each.singleTransaction = false
            let report = try await PG.migrator(db).run(.up(to: nil), migrations: migrations, options: each)
            #expect(report.steps.count == 3)
        }
    }

    @Test("--lock-timeout is set again before each migration of a group, as when they are sent one by one")
    func lockTimeoutPerMigration() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrations = try await InMemorySource(files: [
                "0001_lower.sql": "-- strata:up\nSET LOCAL lock_timeout = '1ms';\nCREATE TABLE first AS SELECT current_setting('lock_timeout') AS v;\n",
                "0002_read.sql": "-- strata:up\nCREATE TABLE second AS SELECT current_setting('lock_timeout') AS v;\n",
            ]).migrations()
            var o = options()
            o.lockTimeout = .seconds(5)
            _ = try await PG.migrator(db).run(.up(to: nil), migrations: migrations, options: o)
            #expect(try await PG.value(db, "SELECT v FROM first") == "1ms")
            #expect(try await PG.value(db, "SELECT v FROM second") == "5s")
        }
    }

    @Test("--dry-run prints one block for the group, which runs as printed")
    func dryRunPrintsTheGroup() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrations = try await InMemorySource(files: Self.tables(3)).migrations()
            let report = try await PG.migrator(db).run(.up(to: nil), migrations: migrations, options: options(dryRun: true))
            let sql = try #require(report.sql)
            let blocks = sql.filter { $0.hasPrefix("DO $strata_batch$") }
            #expect(blocks.count == 1)
            for i in 1...3 { #expect(blocks.first?.contains("\nCREATE INDEX t\(i)_v ON t\(i) (v)\n") == true) }
            #expect(try await db.tables() == [])
            try await db.driver.withSession { s in
                for statement in sql { try await s.execute(statement) }
            }
            #expect(try await PG.value(db, "SELECT string_agg(version, ',' ORDER BY version) FROM strata_migrations") == "0001,0002,0003")
        }
    }
}

extension EventLog {
    /// The versions of the steps reported started, finished or failed, in order.
    private func versions(_ pick: (RunEvent) -> MigrationPlan.Step?) -> [String] { all.compactMap(pick).map(\.migration.version.digits) }
    var started: [String] { versions { if case .stepStarted(_, _, let s) = $0 { s } else { nil } } }
    var finished: [String] { versions { if case .stepFinished(_, _, let s, _) = $0 { s } else { nil } } }
    var failed: [String] { versions { if case .stepFailed(_, _, let s, _) = $0 { s } else { nil } } }
}
