import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// SQLite-specific behaviour: the file lock beside the database, and in-memory databases.
@Suite(.timeLimit(.minutes(1)))
struct SQLiteLockingTests {
    static let files: [String: String] = [
        "0001_numbers.sql": """
            -- strata:up
            CREATE TABLE numbers (n integer primary key);
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) INSERT INTO numbers SELECT x FROM c;
            -- strata:down
            DROP TABLE numbers;
            """,
        "0002_squares.sql": """
            -- strata:up
            CREATE TABLE squares (n integer primary key, sq integer);
            INSERT INTO squares SELECT n, n * n FROM numbers;
            -- strata:down
            DROP TABLE squares;
            """,
        "0003_users.sql": """
            -- strata:up
            CREATE TABLE users (id integer primary key, email text not null);
            -- strata:down
            DROP TABLE users;
            -- strata:verify
            SELECT email FROM users LIMIT 0;
            """,
    ]

    func migrator(_ path: String, runID: String = RunContext.newRunID()) -> Migrator {
        Migrator(driver: SQLiteDriver(path: path), migrationsTable: QualifiedName(schema: nil, name: "strata_migrations"),
                 eventsTable: QualifiedName(schema: nil, name: "strata_events"),
                 context: RunContext(runID: runID, strataVersion: StrataVersion.current))
    }

    func options(lockWait: Duration) -> RunOptions {
        var o = RunOptions()
        o.lockWait = lockWait
        return o
    }

    func withDatabasePath(_ body: (String) async throws -> Void) async throws {
        let dir = try DriverTestDatabase.temporaryDirectory(prefix: "strata-sqlite-lock")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await body(dir.appendingPathComponent("app.sqlite").path)
    }

    func count(_ path: String, _ sql: String) async throws -> String? {
        try await SQLiteDriver(path: path).withSession { try await $0.query(sql) }.first?[0]
    }

    @Test func concurrentRunsOnOneFileSerialise() async throws {
        try await withDatabasePath { path in
            let migrations = try await InMemorySource(files: Self.files).migrations()
            async let first = migrator(path).run(.up(to: nil), migrations: migrations, options: options(lockWait: .seconds(30)))
            async let second = migrator(path).run(.up(to: nil), migrations: migrations, options: options(lockWait: .seconds(30)))
            let reports = try await [first, second]
            #expect(reports.flatMap(\.steps).map(\.version.digits).sorted() == ["0001", "0002", "0003"])
            #expect(try await count(path, "SELECT count(*) FROM strata_migrations") == "3")
            #expect(try await count(path, "SELECT count(*) FROM strata_events WHERE direction = 'up' AND outcome = 'ok'") == "3")
            #expect(try await count(path, "SELECT count(*) FROM squares") == "100000")
        }
    }

    @Test func heldFileLockMakesRunTimeOutNamingTheHolder() async throws {
        try await withDatabasePath { path in
            let migrations = try await InMemorySource(files: Self.files).migrations()
            let lock = SQLiteDriver(path: path).makeLock(for: QualifiedName(schema: nil, name: "strata_migrations"),
                                                         holderDescription: "test holder 4242")
            try await lock.withLock(timeout: .seconds(5), onWait: { _ in }) {
                let error = try await #require(throws: LockTimeoutError.self) {
                    try await migrator(path).run(.up(to: nil), migrations: migrations, options: options(lockWait: .milliseconds(300)))
                }
                #expect(error.holder?.description.contains("test holder 4242") == true, "holder: \(String(describing: error.holder))")
            }
            // Released: the next run goes through.
            let report = try await migrator(path).run(.up(to: nil), migrations: migrations, options: options(lockWait: .seconds(5)))
            #expect(report.steps.count == 3)
        }
    }

    @Test func inMemoryDatabaseRunsMigrations() async throws {
        let migrations = try await InMemorySource(files: Self.files).migrations()
        let report = try await migrator(":memory:").run(.up(to: nil), migrations: migrations, options: options(lockWait: .seconds(5)))
        #expect(report.outcome == .ok)
        #expect(report.steps.map(\.version.digits) == ["0001", "0002", "0003"])
    }

    @Test func missingDirectoryIsConnectionError() async throws {
        let driver = SQLiteDriver(path: "/nonexistent-strata-dir-\(UUID().uuidString)/app.sqlite")
        let error = try await #require(throws: ConnectionError.self) { try await driver.withSession { try await $0.execute("SELECT 1") } }
        #expect(error.reason.contains("does not exist"))
    }
}
