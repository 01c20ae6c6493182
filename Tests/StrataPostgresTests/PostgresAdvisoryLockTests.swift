import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// The advisory lock that serialises runners on one database, each test on its own database.
@Suite(.enabled(if: TestEnvironment.postgresEnabled), .timeLimit(.minutes(2)))
struct PostgresAdvisoryLockTests {
    /// Starts a run of `migrations` by "holder-run-1" and returns once its sleeping statement is running.
    func startHolder(_ db: DriverTestDatabase, _ migrations: [Migration], sleepSQL: String) async throws -> Task<RunReport, any Error> {
        let holder = Task {
            try await PG.migrator(db, runID: "holder-run-1").run(.up(to: nil), migrations: migrations, options: PG.options(lockWait: .seconds(30)))
        }
        try await PG.waitUntilRunning(db, sleepSQL)
        return holder
    }

    /// Backends in the test's database whose application_name is `name`, after waiting up to 5 s for `expected`.
    func connections(named name: String, _ db: DriverTestDatabase, settlingAt expected: Int) async throws -> Int {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while true {
            let rows = try await db.driver.withSession {
                try await $0.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = '\(name)'")
            }
            let count = Int(rows.first?[0] ?? "") ?? -1
            if count == expected || clock.now >= deadline { return count }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func aPreparedConnectionIsTakenOverByWithLockAndAbandonedOtherwise() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let table = QualifiedName(schema: nil, name: "strata_migrations")
            // Taken over: withLock runs on the prepared connection (no second one) and closes it after.
            let used = db.driver.makeLock(for: table, holderDescription: "strata prepared-lock-test")
            used.prepare()
            #expect(try await connections(named: "strata prepared-lock-test", db, settlingAt: 1) == 1)
            let inside = try await used.withLock(timeout: .seconds(5), onWait: { _ in }) {
                try await connections(named: "strata prepared-lock-test", db, settlingAt: 1)
            }
            #expect(inside == 1)
            used.abandon()   // nothing left to close
            #expect(try await connections(named: "strata prepared-lock-test", db, settlingAt: 0) == 0)
            #expect(try await PG.advisoryLocksAfterSettling(db) == 0)
            // Abandoned: the prepared connection is closed without withLock.
            let unused = db.driver.makeLock(for: table, holderDescription: "strata abandoned-lock-test")
            unused.prepare()
            #expect(try await connections(named: "strata abandoned-lock-test", db, settlingAt: 1) == 1)
            unused.abandon()
            #expect(try await connections(named: "strata abandoned-lock-test", db, settlingAt: 0) == 0)
        }
    }

    @Test func waiterTimesOutNamingTheHolder() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let migrations = try await PG.sleeping(3)
            let holder = try await startHolder(db, migrations, sleepSQL: "SELECT pg_sleep(3)")
            let error = try await #require(throws: LockTimeoutError.self) {
                try await PG.migrator(db, runID: "waiter-run").run(.up(to: nil), migrations: migrations, options: PG.options(lockWait: .milliseconds(300)))
            }
            let holderText = try #require(error.holder?.description)
            #expect(holderText.contains("holder-run-1"), "holder: \(holderText)")
            #expect(error.description.contains("holder-run-1"))
            #expect(try await holder.value.steps.count == 1)
            #expect(try await PG.advisoryLocks(db) == 0)
        }
    }

    @Test func waiterWithLongLockWaitWaitsThenFindsNothingToDo() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let migrations = try await PG.sleeping(5)
            let holder = try await startHolder(db, migrations, sleepSQL: "SELECT pg_sleep(5)")
            let log = EventLog()
            let waiter = try await PG.migrator(db, runID: "waiter-run").run(.up(to: nil), migrations: migrations,
                                                                             options: PG.options(lockWait: .seconds(30)), onEvent: log.onEvent)
            #expect(waiter.outcome == .nothing)
            #expect(log.lockWaitHolders.count == 1)
            #expect(log.lockWaitHolders.first??.description.contains("holder-run-1") == true)
            #expect(try await holder.value.steps.count == 1)
            let applied = try await PG.migrator(db).status(migrations: migrations).applied
            #expect(applied.count == 1)
            #expect(try await PG.advisoryLocks(db) == 0)
        }
    }

    @Test func noLockRemainsAfterSuccessfulAndFailingRuns() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let good = try await PG.migrations(["0001_a.sql": "-- strata:up\nCREATE TABLE a (id integer);\n-- strata:down\nDROP TABLE a;"])
            _ = try await PG.migrator(db).run(.up(to: nil), migrations: good, options: PG.options(lockWait: .seconds(30)))
            #expect(try await PG.advisoryLocks(db) == 0)

            var bad = good
            bad += try await PG.migrations(["0002_b.sql": "-- strata:up\nSELECT * FROM no_such_table;"])
            await #expect(throws: MigrationFailure.self) {
                try await PG.migrator(db).run(.up(to: nil), migrations: bad, options: PG.options(lockWait: .seconds(30)))
            }
            #expect(try await PG.advisoryLocks(db) == 0)
            await #expect(throws: PlanError.self) {  // a plan refusal inside the lock
                try await PG.migrator(db).run(.up(to: nil), migrations: [], options: PG.options(lockWait: .seconds(30)))
            }
            #expect(try await PG.advisoryLocks(db) == 0)
        }
    }

    /// Cancelling the run's task while a statement sleeps for 30 s cancels the statement on the server (cancelRunningStatement):
    /// the run ends within seconds, the migration is rolled back, and the lock is released.
    @Test func cancelledRunEndsQuicklyAndReleasesTheLock() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let migrations = try await PG.sleeping(30)
            let run = try await startHolder(db, migrations, sleepSQL: "SELECT pg_sleep(30)")
            let clock = ContinuousClock()
            let cancelledAt = clock.now
            run.cancel()
            let result = await run.result
            let took = clock.now - cancelledAt
            #expect(took < .seconds(10), "the run took \(took) to end after cancellation")
            guard case .failure(let error) = result else {
                Issue.record("the cancelled run succeeded")
                return
            }
            let failure = error as? MigrationFailure
            #expect(failure?.cancelled == true, "expected a cancelled MigrationFailure, got \(error)")
            #expect(try await db.tableExists(QualifiedName(schema: nil, name: "sleepy")) == false)
            #expect(try await PG.migrator(db).status(migrations: migrations).applied.isEmpty)
            #expect(try await PG.advisoryLocksAfterSettling(db) == 0)
        }
    }
}
