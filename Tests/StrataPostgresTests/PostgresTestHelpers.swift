import Foundation
import StrataKit
import StrataTestSupport
import Synchronization
import Testing

/// Helpers shared by the PostgreSQL-specific tests.
enum PG {
    static let make: DriverTestFactory = { try await DriverTestDatabase.postgres() }

    static func migrator(_ db: DriverTestDatabase, runID: String = RunContext.newRunID()) -> Migrator {
        Migrator(driver: db.driver, migrationsTable: QualifiedName(schema: nil, name: "strata_migrations"),
                 eventsTable: QualifiedName(schema: nil, name: "strata_events"),
                 context: RunContext(runID: runID, strataVersion: StrataVersion.current))
    }

    static func options(lockWait: Duration) -> RunOptions {
        var o = RunOptions()
        o.lockWait = lockWait
        return o
    }

    /// The first value of the first row of `sql`, on a session of its own.
    static func value(_ db: DriverTestDatabase, _ sql: String) async throws -> String? {
        try await db.driver.withSession { try await $0.query(sql) }.first?[0]
    }

    /// `ALTER DATABASE <the test's database> SET <setting>`: the database's later sessions start with it. The setting
    /// goes inside a string literal: write its value without quotes (`statement_timeout = 400`).
    static func setForDatabase(_ db: DriverTestDatabase, _ setting: String) async throws {
        try await db.driver.withSession { s in
            try await s.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET \(setting)', current_database()); END $$")
        }
    }

    static func migrations(_ files: [String: String]) async throws -> [Migration] {
        try await InMemorySource(files: files).migrations()
    }

    /// One migration whose second statement sleeps `seconds` on the server.
    static func sleeping(_ seconds: Int) async throws -> [Migration] {
        try await migrations(["0001_sleepy.sql": """
            -- strata:up
            CREATE TABLE sleepy (id integer);
            SELECT pg_sleep(\(seconds));
            -- strata:down
            DROP TABLE sleepy;
            """])
    }

    /// Advisory locks held in the test's database (advisory locks are per database).
    static func advisoryLocks(_ db: DriverTestDatabase) async throws -> Int {
        let rows = try await db.driver.withSession {
            try await $0.query("""
                SELECT count(*) FROM pg_locks
                WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """)
        }
        return Int(rows.first?[0] ?? "") ?? -1
    }

    /// Advisory locks left after waiting up to 5 s for closed connections' backends to exit.
    static func advisoryLocksAfterSettling(_ db: DriverTestDatabase) async throws -> Int {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        var count = try await advisoryLocks(db)
        while count != 0 && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            count = try await advisoryLocks(db)
        }
        return count
    }

    /// Waits (up to 15 s) until a backend in the test's database is running exactly `sql`, alone or as a statement
    /// of a batched migration (a `DO $strata_batch$` block).
    static func waitUntilRunning(_ db: DriverTestDatabase, _ sql: String) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(15)
        while clock.now < deadline {
            let rows = try await db.driver.withSession {
                try await $0.query("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
                    AND (query = '\(sql.replacingOccurrences(of: "'", with: "''"))'
                         OR (starts_with(query, 'DO $strata_batch') AND strpos(query, E'\\n\(sql.replacingOccurrences(of: "'", with: "''"))\\n') > 0))
                    """)
            }
            if rows.first?[0] == "1" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("`\(sql)` never started running")
        throw CancellationError()
    }
}

/// Run events collected from the `onEvent` callback.
final class EventLog: Sendable {
    private let events = Mutex<[RunEvent]>([])
    var onEvent: @Sendable (RunEvent) -> Void { { [self] e in events.withLock { $0.append(e) } } }
    var all: [RunEvent] { events.withLock { $0 } }
    var lockWaitHolders: [LockHolder?] {
        all.compactMap { if case .lockWaiting(let h) = $0 { return .some(h) } else { return nil } }
    }
}
