import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// A project for start-up gate tests: a migrations directory in a temporary folder and a database URL
/// (an SQLite file in that folder, or a fresh PostgreSQL database).
struct GateProject: Sendable {
    let root: URL
    let database: String
    let driver: any DatabaseDriver
    /// The SQLite file, nil on PostgreSQL.
    let sqlitePath: String?

    var migrations: URL { root.appendingPathComponent("migrations") }

    static let users = "-- strata:up\nCREATE TABLE users (id integer PRIMARY KEY, email text);\n-- strata:down\nDROP TABLE users;\n"
    static let posts = "-- strata:up\nCREATE TABLE posts (id integer PRIMARY KEY, user_id integer);\n-- strata:down\nDROP TABLE posts;\n"
    /// Runs outside a transaction; its second statement fails, leaving the row dirty at statement 2.
    static let brokenNoTransaction = """
        -- strata:up
        -- strata:no-transaction
        CREATE TABLE audit (id integer);
        INSERT INTO no_such_table VALUES (1);
        -- strata:down
        DROP TABLE audit;

        """

    /// Writes `migrations/<file>`.
    func write(_ file: String, _ text: String) throws {
        try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: migrations.appendingPathComponent(file))
    }

    func remove(_ file: String) throws {
        try FileManager.default.removeItem(at: migrations.appendingPathComponent(file))
    }

    /// `0001_create_users.sql` and `0002_create_posts.sql`.
    func writeTwoMigrations() throws {
        try write("0001_create_users.sql", Self.users)
        try write("0002_create_posts.sql", Self.posts)
    }

    func strata() throws -> Strata { try Strata(database: database, directory: migrations.path) }

    func up(to version: String? = nil) async throws {
        _ = try await strata().up(to: version.flatMap(MigrationVersion.init))
    }

    func gate(requiredTables: [String] = [], fixCommand: String? = nil) throws -> SchemaGate {
        try SchemaGate(database: database, directory: migrations.path, requiredTables: requiredTables, fixCommand: fixCommand)
    }

    func scalar(_ sql: String) async throws -> String? {
        try await driver.withSession { try await $0.query(sql).first?[0] }
    }

    static func withSQLite(_ body: (GateProject) async throws -> Void) async throws {
        let root = try DriverTestDatabase.temporaryDirectory(prefix: "strata-gate")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("app.sqlite").path
        try await body(GateProject(root: root, database: "sqlite:\(path)", driver: SQLiteDriver(path: path), sqlitePath: path))
    }

    static func withPostgres(_ body: (GateProject) async throws -> Void) async throws {
        let root = try DriverTestDatabase.temporaryDirectory(prefix: "strata-gate")
        defer { try? FileManager.default.removeItem(at: root) }
        try await CLITestDatabase.with { db in
            try await body(GateProject(root: root, database: db.url, driver: PostgresDriver(target: db.target), sqlitePath: nil))
        }
    }
}

/// Signals once: lets a test wait until a `wait(onRetry:)` callback has seen a not-ready schema.
final class Signal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    init() { (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1)) }
    func fire() { continuation.yield() }
    func wait() async { for await _ in stream { return } }
}
