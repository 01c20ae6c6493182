import Foundation
import StrataKit
import StrataTestSupport
import Synchronization
import Testing

/// On PostgreSQL, migrations that each run in their own transaction are sent one ahead: the next migration's batch
/// is on its way while the server runs the current one. These tests check that a migration sent ahead never runs
/// after the one before it failed, that runs still report in order, and the chain each batch checks.
@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct PostgresPipelineTests {
    /// Runs `request` over `files` through a driver that notes what was sent ahead; the run's failure (or nil), the
    /// progress events as `started 1`, `finished 1`, `failed 2`…, and how many statements were sent ahead.
    func run(_ db: DriverTestDatabase, _ files: [String: String], _ request: PlanRequest = .up(to: nil), cancelAfter: Duration? = nil,
             loseSessionSettings: Bool = false, during: (@Sendable () async throws -> Void)? = nil,
             otherError: ((any Error) -> Void)? = nil) async throws -> (failure: MigrationFailure?, events: [String], sentAhead: Int) {
        let driver = SendCountingDriver(base: db.driver, loseSessionSettings: loseSessionSettings)
        let migrator = Migrator(driver: driver, migrationsTable: QualifiedName(schema: nil, name: "strata_migrations"),
                                eventsTable: QualifiedName(schema: nil, name: "strata_events"), context: RunContext(strataVersion: StrataVersion.current))
        let migrations = try await PG.migrations(files)
        let events = Mutex<[String]>([])
        let task = Task {
            try await migrator.run(request, migrations: migrations, options: PG.options(lockWait: .seconds(30))) { event in
                switch event {
                case .stepStarted(let index, _, _): events.withLock { $0.append("started \(index)") }
                case .stepFinished(let index, _, _, _): events.withLock { $0.append("finished \(index)") }
                case .stepFailed(let index, _, _, _): events.withLock { $0.append("failed \(index)") }
                default: break
                }
            }
        }
        if let cancelAfter {
            try await Task.sleep(for: cancelAfter)
            task.cancel()
        }
        try await during?()
        var failure: MigrationFailure?
        do {
            _ = try await task.value
        } catch let f as MigrationFailure {
            failure = f
        } catch let error where otherError != nil {
            otherError?(error)
        }
        return (failure, events.withLock { $0 }, driver.sent.withLock { $0 })
    }

    static let three = [
        "0001_a.sql": "-- strata:up\nCREATE TABLE a (id integer);\nCREATE INDEX a_id ON a (id);\n-- strata:down\nDROP TABLE a;\n",
        "0002_b.sql": "-- strata:up\nCREATE TABLE b (id integer);\n-- strata:down\nDROP TABLE b;\n",
        "0003_c.sql": "-- strata:up\nCREATE TABLE c (id integer);\n-- strata:down\nDROP TABLE c;\n",
    ]

    @Test("each migration is sent ahead, applied once, recorded and reported in order, up and down")
    func sendsAheadInOrder() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let up = try await run(db, Self.three)
            #expect(up.failure == nil)
            #expect(up.sentAhead == 3)
            #expect(up.events == ["started 1", "finished 1", "started 2", "finished 2", "started 3", "finished 3"])
            #expect(try await db.tables() == ["a", "b", "c", "strata_events", "strata_migrations"])
            #expect(try await PG.value(db, "SELECT string_agg(version, ',' ORDER BY version) FROM strata_migrations WHERE state = 'applied'") == "0001,0002,0003")
            #expect(try await PG.value(db, """
                SELECT string_agg(version, ',' ORDER BY id) FROM strata_events
                WHERE outcome = 'ok' AND direction = 'up' AND started_at <= finished_at
                """) == "0001,0002,0003")
            let down = try await run(db, Self.three, .down(steps: 3, to: nil))
            #expect(down.failure == nil)
            #expect(down.sentAhead == 3)
            #expect(down.events == ["started 1", "finished 1", "started 2", "finished 2", "started 3", "finished 3"])
            #expect(try await db.tables() == ["strata_events", "strata_migrations"])
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_migrations") == "0")
            #expect(try await PG.value(db, "SELECT string_agg(version, ',' ORDER BY id) FROM strata_events WHERE direction = 'down'") == "0003,0002,0001")
        }
    }

    @Test("the migration sent after a failing one does not run, is not reported, and runs once the failure is fixed")
    func failureStopsWhatWasSentAfter() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            var files = Self.three
            files["0002_b.sql"] = "-- strata:up\nCREATE TABLE b (id integer);\nSELECT 1 / 0;\n"
            let first = try await run(db, files)
            let f = try #require(first.failure)
            #expect(f.version.digits == "0002")
            #expect(f.sqlState == "22012")
            #expect(first.sentAhead == 3, "0003 was sent before the answer to 0002 came")
            #expect(first.events == ["started 1", "finished 1", "started 2", "failed 2"])
            #expect(try await db.tables() == ["a", "strata_events", "strata_migrations"], "neither 0002 nor 0003 left anything")
            #expect(try await PG.value(db, "SELECT string_agg(version, ',') FROM strata_migrations") == "0001")
            #expect(try await PG.value(db, "SELECT string_agg(version || ' ' || outcome, ',' ORDER BY id) FROM strata_events") == "0001 ok,0002 rolled_back")

            files["0002_b.sql"] = "-- strata:up\nCREATE TABLE b (id integer);\n"
            let second = try await run(db, files)
            #expect(second.failure == nil)
            #expect(second.events == ["started 1", "finished 1", "started 2", "finished 2"])
            #expect(try await PG.value(db, "SELECT string_agg(version, ',' ORDER BY version) FROM strata_migrations") == "0001,0002,0003")
        }
    }

    @Test("a batch refused as a batch runs again statement by statement; what was sent after it waits for it")
    func fallbackAfterSentAhead() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            // Altering a column a view uses fails with feature_not_supported (0A000), the code that also sends a
            // batch back to statement-by-statement: the migration runs again that way, and fails there too.
            let files = [
                "0001_view.sql": "-- strata:up\nCREATE TABLE t (a integer);\nCREATE VIEW v AS SELECT a FROM t;\n",
                "0002_alter.sql": "-- strata:up\nALTER TABLE t ALTER COLUMN a TYPE bigint;\n",
                "0003_after.sql": "-- strata:up\nCREATE TABLE after_alter (id integer);\n",
            ]
            let r = try await run(db, files)
            let f = try #require(r.failure)
            #expect(f.version.digits == "0002")
            #expect(f.sqlState == "0A000")
            #expect(f.cause.contains("view"))
            #expect(r.events == ["started 1", "finished 1", "started 2", "failed 2"])
            #expect(try await db.tables() == ["strata_events", "strata_migrations", "t"])
            #expect(try await PG.value(db, "SELECT string_agg(version, ',') FROM strata_migrations") == "0001")
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_events WHERE version = '0003'") == "0")
        }
    }

    @Test("cancelling the run cancels the migration the server runs; the one sent after it does not run")
    func cancelStopsWhatWasSentAfter() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let files = [
                "0001_slow.sql": "-- strata:up\nCREATE TABLE slow (id integer);\nSELECT pg_sleep(20);\n",
                "0002_next.sql": "-- strata:up\nCREATE TABLE next_one (id integer);\n",
            ]
            let clock = ContinuousClock()
            let start = clock.now
            let r = try await run(db, files, cancelAfter: .milliseconds(800))
            #expect(clock.now - start < .seconds(15), "the sleeping migration was cancelled on the server")
            let f = try #require(r.failure)
            #expect(f.version.digits == "0001")
            #expect(f.cancelled)
            #expect(r.sentAhead == 2)
            #expect(try await db.tables() == ["strata_events", "strata_migrations"])
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_migrations") == "0")
        }
    }

    @Test("a migration sent ahead does not run when the run's lock was lost while the one before it ran")
    func lockLostStopsWhatWasSentAhead() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let files = [
                "0001_slow.sql": "-- strata:up\nCREATE TABLE slow (id integer);\nSELECT pg_sleep(1.5);\n",
                "0002_next.sql": "-- strata:up\nCREATE TABLE next_one (id integer);\n",
                "0003_last.sql": "-- strata:up\nCREATE TABLE last_one (id integer);\n",
            ]
            let thrown = Mutex<String?>(nil)
            let r = try await run(db, files, during: {
                // While 0001 sleeps (0002 already sent), end the lock's connection, as an idle timeout or a proxy would.
                try await Task.sleep(for: .milliseconds(500))
                try await db.driver.withSession { s in
                    try await s.execute("""
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = current_database() AND application_name LIKE 'strata pid %'
                        """)
                }
            }, otherError: { error in thrown.withLock { $0 = "\(error)" } })
            #expect(r.failure == nil)
            let error = try #require(thrown.withLock { $0 })
            #expect(error.contains("the migration lock was lost"), "\(error)")
            #expect(r.sentAhead == 2)
            #expect(try await db.tables() == ["slow", "strata_events", "strata_migrations"], "0001 ran to its end; 0002 did not run")
            #expect(try await PG.value(db, "SELECT string_agg(version, ',') FROM strata_migrations") == "0001")
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_events WHERE version <> '0001'") == "0")
        }
    }

    @Test("behind a pooler that loses session settings between transactions, the run stops sending ahead and applies everything once")
    func chainRefusedAfterACommitStopsSendingAhead() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            var files = Self.three
            files["0004_d.sql"] = "-- strata:up\nCREATE TABLE d (id integer);\n"
            let r = try await run(db, files, loseSessionSettings: true)
            #expect(r.failure == nil)
            #expect(r.sentAhead == 3, "0002 was refused (and 0003, sent after it); then nothing more was sent ahead")
            #expect(r.events == ["started 1", "finished 1", "started 2", "finished 2", "started 3", "finished 3", "started 4", "finished 4"])
            #expect(try await PG.value(db, "SELECT string_agg(version, ',' ORDER BY version) FROM strata_migrations") == "0001,0002,0003,0004")
            #expect(try await PG.value(db, "SELECT string_agg(version || ' ' || outcome, ',' ORDER BY id) FROM strata_events")
                    == "0001 ok,0002 ok,0003 ok,0004 ok")
        }
    }

    @Test("with serializable transactions by default, migrations are sent statement by statement, each with its own COMMIT")
    func serializableSessionsDoNotBatch() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            try await PG.setForDatabase(db, "default_transaction_isolation = serializable")
            let r = try await run(db, Self.three)
            #expect(r.failure == nil)
            #expect(r.sentAhead == 0)
            #expect(try await PG.value(db, "SELECT string_agg(version, ',' ORDER BY version) FROM strata_migrations") == "0001,0002,0003")
        }
    }

    @Test("a chained batch runs only after the batch it follows committed on the session")
    func chainChecksTheLastCommittedLink() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let d = db.driver.dialect
            func batch(_ statements: [String], after: String?, token: String) throws -> String {
                try #require(d.batch(statements, lockTimeout: nil, chain: BatchChain(after: after, token: token))).sql
            }
            func state(_ session: any DatabaseSession, _ sql: String) async -> String? {
                do {
                    try await session.execute(sql)
                    return nil
                } catch let e as DatabaseError {
                    return e.sqlState
                } catch {
                    return "\(error)"
                }
            }
            let first = try batch(["CREATE TABLE c1 (id integer)"], after: nil, token: "x:1")
            let afterUnknown = try batch(["CREATE TABLE c2 (id integer)"], after: "x:0", token: "x:2")
            let failing = try batch(["CREATE TABLE c3 (id integer)", "SELECT 1 / 0"], after: "x:1", token: "x:3")
            let afterFailed = try batch(["CREATE TABLE c4 (id integer)"], after: "x:3", token: "x:4")
            let afterFirst = try batch(["CREATE TABLE c5 (id integer)"], after: "x:1", token: "x:5")
            try await db.driver.withSession { s in
                #expect(await state(s, first) == nil)
                #expect(await state(s, afterUnknown) == chainRefusedState)
                #expect(await state(s, failing) == "22012")
                #expect(await state(s, afterFailed) == chainRefusedState, "a failed batch leaves no token")
                #expect(await state(s, afterFirst) == nil)
            }
            #expect(try await db.tables() == ["c1", "c5"])
        }
    }

    @Test("a deferred constraint that fails is the migration's failure, and the migration sent after it does not run")
    func deferredConstraintFailsTheMigration() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let files = [
                "0001_tables.sql": "-- strata:up\nCREATE TABLE p (id integer PRIMARY KEY);\nCREATE TABLE ch (pid integer REFERENCES p DEFERRABLE INITIALLY DEFERRED);\n",
                "0002_orphan.sql": "-- strata:up\nINSERT INTO ch VALUES (42);\nCREATE TABLE also_rolled_back (id integer);\n",
                "0003_after.sql": "-- strata:up\nCREATE TABLE after_orphan (id integer);\n",
            ]
            let r = try await run(db, files)
            let f = try #require(r.failure)
            #expect(f.version.digits == "0002")
            #expect(f.sqlState == "23503")
            #expect(f.cause.contains("while recording the migration and committing"))
            #expect(r.events == ["started 1", "finished 1", "started 2", "failed 2"])
            #expect(try await db.tables() == ["ch", "p", "strata_events", "strata_migrations"])
            #expect(try await PG.value(db, "SELECT string_agg(version, ',') FROM strata_migrations") == "0001")
            #expect(try await PG.value(db, "SELECT string_agg(version || ' ' || outcome, ',' ORDER BY id) FROM strata_events") == "0001 ok,0002 rolled_back")
        }
    }
}

/// A PostgreSQL driver whose sessions count the statements sent ahead (``DatabaseSession/send(_:)``); everything
/// goes to the real server.
private final class SendCountingDriver: DatabaseDriver {
    let base: any DatabaseDriver
    let sent = Mutex(0)
    /// Like a connection pooler that hands each transaction to another server connection: the chain's token a
    /// batch leaves in a session setting is not there for the next batch.
    let loseSessionSettings: Bool
    init(base: any DatabaseDriver, loseSessionSettings: Bool = false) {
        self.base = base
        self.loseSessionSettings = loseSessionSettings
    }

    var dialect: any SQLDialect { base.dialect }
    var displayTarget: String { base.displayTarget }
    func withSession<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R {
        try await base.withSession { try await body(Session(base: $0, driver: self)) }
    }
    func withSession<R: Sendable>(readOnly: Bool, _ body: (any DatabaseSession) async throws -> R) async throws -> R {
        try await base.withSession(readOnly: readOnly) { try await body(Session(base: $0, driver: self)) }
    }
    func withSessionKeptForNext<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R {
        try await base.withSessionKeptForNext { try await body(Session(base: $0, driver: self)) }
    }
    func closeKeptConnection() async { await base.closeKeptConnection() }
    func prepareLock(for table: QualifiedName, holderDescription: String) { base.prepareLock(for: table, holderDescription: holderDescription) }
    func makeLock(for table: QualifiedName, holderDescription: String) -> any MigrationLock { base.makeLock(for: table, holderDescription: holderDescription) }
    func serverVersion(on session: any DatabaseSession) async throws -> String { try await base.serverVersion(on: (session as? Session)?.base ?? session) }

    struct Session: DatabaseSession {
        let base: any DatabaseSession
        let driver: SendCountingDriver
        func execute(_ sql: String) async throws { try await base.execute(sql) }
        func query(_ sql: String) async throws -> [Row] { try await base.query(sql) }
        func forEachRow(_ sql: String, _ body: @escaping @Sendable (Row) throws -> Void) async throws { try await base.forEachRow(sql, body) }
        func cancelRunningStatement() async { await base.cancelRunningStatement() }
        var preferredExecutor: (any TaskExecutor)? { base.preferredExecutor }
        var canSend: Bool { base.canSend }
        func send(_ sql: String) -> SentStatement? {
            driver.sent.withLock { $0 += 1 }
            let lost = driver.loseSessionSettings ? sql.replacingOccurrences(of: "set_config('strata.chain',", with: "set_config('strata.elsewhere',") : sql
            return base.send(lost)
        }
    }
}
