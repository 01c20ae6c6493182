import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// `withSessionKeptForNext`: the connection of a check made just before a run is the run's own session.
@Suite(.enabled(if: TestEnvironment.postgresEnabled), .timeLimit(.minutes(1)))
struct PostgresKeptConnectionTests {
    func backendPID(_ session: any DatabaseSession) async throws -> String? {
        try await session.query("SELECT pg_backend_pid()").first?[0]
    }

    func connectionCount(_ driver: PostgresDriver, named name: String, settlingAt expected: Int) async throws -> Int {
        let watcher = PostgresDriver(target: try DriverTestDatabase.postgresServerTarget())
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while true {
            let rows = try await watcher.withSession {
                try await $0.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(name)'")
            }
            let count = Int(rows.first?[0] ?? "") ?? -1
            if count == expected || clock.now >= deadline { return count }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func driver(named name: String) throws -> PostgresDriver {
        var target = try DriverTestDatabase.postgresServerTarget()
        target.applicationName = name
        return PostgresDriver(target: target)
    }

    @Test("the next session, in any copy of the driver, runs on the kept connection; a session after it opens its own")
    func keptConnectionIsTakenOnce() async throws {
        let driver = try driver(named: "strata kept-test")
        let first = try await driver.withSessionKeptForNext { try await backendPID($0) }
        #expect(try await connectionCount(driver, named: "strata kept-test", settlingAt: 1) == 1, "kept open")
        let copy: any DatabaseDriver = driver
        let second = try await copy.withSession { try await backendPID($0) }
        #expect(first != nil && first == second, "the same backend: \(String(describing: first)) / \(String(describing: second))")
        #expect(try await connectionCount(driver, named: "strata kept-test", settlingAt: 0) == 0, "closed after the session that took it")
        let third = try await driver.withSession { try await backendPID($0) }
        #expect(third != nil && third != first)
    }

    @Test("closeKeptConnection closes a connection nobody took; a failed check keeps nothing")
    func keptConnectionIsClosedWhenUnused() async throws {
        let driver = try driver(named: "strata kept-unused-test")
        _ = try await driver.withSessionKeptForNext { try await backendPID($0) }
        #expect(try await connectionCount(driver, named: "strata kept-unused-test", settlingAt: 1) == 1)
        await driver.closeKeptConnection()
        #expect(try await connectionCount(driver, named: "strata kept-unused-test", settlingAt: 0) == 0)

        await #expect(throws: DatabaseError.self) {
            try await driver.withSessionKeptForNext { try await $0.query("SELECT no_such_column") }
        }
        #expect(try await connectionCount(driver, named: "strata kept-unused-test", settlingAt: 0) == 0)
    }

    @Test("a kept connection the server has closed is not reused")
    func closedKeptConnectionIsReplaced() async throws {
        let driver = try driver(named: "strata kept-closed-test")
        let first = try await driver.withSessionKeptForNext { try await backendPID($0) }
        let killer = PostgresDriver(target: try DriverTestDatabase.postgresServerTarget())
        _ = try await killer.withSession { try await $0.query("SELECT pg_terminate_backend(\(first ?? "0"))") }
        try await Task.sleep(for: .milliseconds(200))
        let second = try await driver.withSession { try await backendPID($0) }
        #expect(second != nil && second != first)
    }

    // MARK: prepareLock

    static let table = QualifiedName(schema: nil, name: "strata_migrations")

    /// A driver (its sessions named `owner`) that has prepared the lock for ``table`` held by `holder`, connected.
    func preparedDriver(_ owner: String, holder: String) async throws -> PostgresDriver {
        let driver = try driver(named: owner)
        driver.prepareLock(for: Self.table, holderDescription: holder)
        #expect(try await connectionCount(driver, named: holder, settlingAt: 1) == 1, "connected before the lock was asked for")
        return driver
    }

    @Test("a prepared lock connects at once; the lock made with the same arguments runs on that connection and closes it")
    func preparedLockIsTakenOver() async throws {
        let holder = "strata prepared-lock-test"
        let driver = try await preparedDriver("strata prepared-owner", holder: holder)
        let copy: any DatabaseDriver = driver
        let lock = copy.makeLock(for: Self.table, holderDescription: holder)
        let during = try await lock.withLock(timeout: .seconds(5), onWait: { _ in }) {
            try await connectionCount(driver, named: holder, settlingAt: 1)
        }
        #expect(during == 1, "no second connection")
        #expect(try await connectionCount(driver, named: holder, settlingAt: 0) == 0)
        await driver.closeKeptConnection()  // nothing left to close
    }

    @Test("a prepared lock nobody takes is closed by closeKeptConnection; a lock for another run does not take it")
    func preparedLockIsClosedWhenUnused() async throws {
        let holder = "strata prepared-unused-test"
        let driver = try await preparedDriver("strata prepared-owner-2", holder: holder)
        let other = driver.makeLock(for: Self.table, holderDescription: "strata prepared-other-test")
        let others = try await other.withLock(timeout: .seconds(5), onWait: { _ in }) {
            try await connectionCount(driver, named: "strata prepared-other-test", settlingAt: 1)
        }
        #expect(others == 1, "its own connection")
        #expect(try await connectionCount(driver, named: holder, settlingAt: 1) == 1, "still waiting for its own run")
        await driver.closeKeptConnection()
        #expect(try await connectionCount(driver, named: holder, settlingAt: 0) == 0)
    }

    @Test("a lock for another history table does not take the prepared one, though its holder is the same")
    func preparedLockIsForItsTableOnly() async throws {
        let holder = "strata prepared-table-test"
        let driver = try await preparedDriver("strata prepared-owner-4", holder: holder)
        let other = driver.makeLock(for: QualifiedName(schema: "audit", name: "history"), holderDescription: holder)
        let during = try await other.withLock(timeout: .seconds(5), onWait: { _ in }) {
            try await connectionCount(driver, named: holder, settlingAt: 2)
        }
        #expect(during == 2, "its own connection beside the prepared one")
        await driver.closeKeptConnection()
        #expect(try await connectionCount(driver, named: holder, settlingAt: 0) == 0)
    }

    @Test("the lock's connection, prepared or not, outlives the server's idle_session_timeout while the lock is held")
    func lockConnectionIgnoresIdleSessionTimeout() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let driver = try #require(db.driver as? PostgresDriver)
            let server = PostgresDriver(target: try DriverTestDatabase.postgresServerTarget())
            try await server.withSession { try await $0.execute("ALTER DATABASE \(try #require(driver.target.database)) SET idle_session_timeout = '300ms'") }
            for prepared in [true, false] {
                let holder = "strata idle-timeout-test \(prepared)"
                if prepared { driver.prepareLock(for: Self.table, holderDescription: holder) }
                let lock = driver.makeLock(for: Self.table, holderDescription: holder)
                try await lock.withLock(timeout: .seconds(5), onWait: { _ in }) {
                    try await Task.sleep(for: .milliseconds(900))   // three idle timeouts of an ordinary session
                    try await lock.checkHeld()
                    #expect(try await connectionCount(driver, named: holder, settlingAt: 1) == 1, "prepared: \(prepared)")
                }
            }
            // A session of the same database without the setting is closed by the server meanwhile (the test means it).
            let idle = try await driver.withSession { s in
                try await Task.sleep(for: .milliseconds(900))
                return try? await s.query("SELECT 1")
            }
            #expect(idle == nil)
        }
    }

    @Test("a prepared lock connection the server closed while it waited is replaced, and the lock is taken")
    func closedPreparedLockConnectionIsReplaced() async throws {
        let holder = "strata prepared-closed-test"
        let driver = try await preparedDriver("strata prepared-owner-3", holder: holder)
        let killer = PostgresDriver(target: try DriverTestDatabase.postgresServerTarget())
        _ = try await killer.withSession {
            try await $0.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(holder)'")
        }
        #expect(try await connectionCount(driver, named: holder, settlingAt: 0) == 0)
        let lock = driver.makeLock(for: Self.table, holderDescription: holder)
        let held = try await lock.withLock(timeout: .seconds(5), onWait: { _ in }) {
            try await connectionCount(driver, named: holder, settlingAt: 1)
        }
        #expect(held == 1, "a new connection holds the lock")
    }
}
