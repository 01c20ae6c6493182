import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// The `Strata` facade on SQLite, with migrations in a temporary directory.
struct StrataFacadeTests {
    static let files: [String: String] = [
        "0001_create_users.sql": "-- strata:up\nCREATE TABLE users (id integer primary key, email text);\n-- strata:down\nDROP TABLE users;\n",
        "0002_add_posts.up.sql": "CREATE TABLE posts (id integer primary key, user_id integer);\n",
        "0002_add_posts.down.sql": "DROP TABLE posts;\n",
    ]

    /// A project directory holding `migrations/` with `files`; the database path inside it.
    func withProject(_ body: (_ migrations: URL, _ database: String) async throws -> Void) async throws {
        let root = try DriverTestDatabase.temporaryDirectory(prefix: "strata-kit")
        defer { try? FileManager.default.removeItem(at: root) }
        let migrations = root.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
        for (name, text) in Self.files { try Data(text.utf8).write(to: migrations.appendingPathComponent(name)) }
        try await body(migrations, root.appendingPathComponent("app.sqlite").path)
    }

    func tables(_ database: String) async throws -> [String] {
        try await SQLiteDriver(path: database).withSession {
            try await $0.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }.compactMap { $0[0] }
    }

    func writeSum(_ migrations: URL) async throws {
        let sum = SumFile(entries: try await DirectorySource(directory: migrations).sumEntries())
        try Data(sum.text.utf8).write(to: migrations.appendingPathComponent(SumFile.fileName))
    }

    @Test func upAppliesTheDirectory() async throws {
        try await withProject { migrations, database in
            let strata = try Strata(database: "sqlite:\(database)", directory: migrations.path)
            let report = try await strata.up()
            #expect(report.outcome == .ok)
            #expect(report.steps.map(\.version.digits) == ["0001", "0002"])
            #expect(try await tables(database) == ["posts", "strata_events", "strata_migrations", "users"])
            #expect(try await strata.up().outcome == .nothing)
        }
    }

    @Test func upToStopsAtTheTarget() async throws {
        try await withProject { migrations, database in
            let strata = try Strata(database: "sqlite:\(database)", directory: migrations.path)
            let one = try #require(MigrationVersion("1"))
            let report = try await strata.up(to: one)
            #expect(report.steps.map(\.version.digits) == ["0001"])
            #expect(try await tables(database).contains("posts") == false)
        }
    }

    @Test func matchingSumFileLetsUpRun() async throws {
        try await withProject { migrations, database in
            try await writeSum(migrations)
            let report = try await Strata(database: "sqlite:\(database)", directory: migrations.path).up()
            #expect(report.steps.count == 2)
        }
    }

    @Test func sumFileMismatchThrowsBeforeTouchingTheDatabase() async throws {
        try await withProject { migrations, database in
            try await writeSum(migrations)
            try Data("CREATE TABLE posts (id integer primary key, body text);\n".utf8)
                .write(to: migrations.appendingPathComponent("0002_add_posts.up.sql"))
            let strata = try Strata(database: "sqlite:\(database)", directory: migrations.path)
            let error = try await #require(throws: SourceError.self) { try await strata.up() }
            #expect(error.problems.map(\.file) == ["0002_add_posts.up.sql"])
            #expect(error.description.contains("changed since strata.sum was written"))
            #expect(FileManager.default.fileExists(atPath: database) == false)
        }
    }

    @Test func driversPicksTheDriverForTheURL() throws {
        #expect(Drivers.driver(for: try DatabaseTarget.parse("sqlite:app.sqlite", origin: "test")) is SQLiteDriver)
        #expect(Drivers.driver(for: try DatabaseTarget.parse("postgres://u@h:5432/db", origin: "test")) is PostgresDriver)
    }
}
