import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// Reading (status, dry runs) must never create an SQLite file: a mistyped path is not a new database.
struct SQLiteReadOnlyTests {
    @Test func statusAndDryRunDoNotCreateTheFile() async throws {
        let dir = try DriverTestDatabase.temporaryDirectory(prefix: "strata-readonly")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("typo.sqlite").path
        let migrator = Migrator(driver: SQLiteDriver(path: path), migrationsTable: QualifiedName(schema: nil, name: "strata_migrations"),
                                eventsTable: QualifiedName(schema: nil, name: "strata_events"), context: RunContext(strataVersion: StrataVersion.current))
        let migrations = try await InMemorySource(files: ["0001_t.sql": "-- strata:up\nCREATE TABLE t (id integer);\n"]).migrations()
        let status = try await migrator.status(migrations: migrations)
        #expect(status.statuses.map(\.state) == [.pending])
        var options = RunOptions()
        options.dryRun = true
        let report = try await migrator.run(.up(to: nil), migrations: migrations, options: options)
        #expect(report.sql?.contains { $0.contains("CREATE TABLE t") } == true)
        #expect(FileManager.default.fileExists(atPath: path) == false)
        // A real run creates it.
        options.dryRun = false
        _ = try await migrator.run(.up(to: nil), migrations: migrations, options: options)
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
