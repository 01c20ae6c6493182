import Foundation
import StrataKit

/// A fresh, empty database for one test: its driver, a way to look at its schema that does not go
/// through Strata, and the means to throw it away.
///
/// ```swift
/// try await DriverTestDatabase.with({ try DriverTestDatabase.sqlite() }) { db in
///     try await db.driver.withSession { try await $0.execute("CREATE TABLE t (id integer)") }
///     #expect(try await db.tables() == ["t"])
/// }
/// ```
public struct DriverTestDatabase: Sendable {
    public let driver: any DatabaseDriver
    /// Every ordinary table, bare names, sorted (SQLite's internal `sqlite_*` tables left out).
    public let tables: @Sendable () async throws -> [String]
    /// Whether the table exists (schema nil: `public` on PostgreSQL, ignored on SQLite).
    public let tableExists: @Sendable (QualifiedName) async throws -> Bool
    let dispose: @Sendable () async -> Void

    /// Makes a database, runs `body`, and drops the database whether `body` throws or not.
    public static func with(_ make: DriverTestFactory, _ body: (DriverTestDatabase) async throws -> Void) async throws {
        let db = try await make()
        do {
            try await body(db)
        } catch {
            await db.dispose()
            throw error
        }
        await db.dispose()
    }

    // MARK: SQLite

    /// A SQLite file in a new temporary directory (removed on dispose).
    public static func sqlite() throws -> DriverTestDatabase {
        let dir = try temporaryDirectory(prefix: "strata-sqlite")
        let driver = SQLiteDriver(path: dir.appendingPathComponent("test.sqlite").path)
        return DriverTestDatabase(
            driver: driver,
            tables: {
                try await driver.withSession {
                    try await $0.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                }.compactMap { $0[0] }
            },
            tableExists: { table in
                try await driver.withSession {
                    try await $0.query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = \(sqlText(table.name))")
                }.first?[0] == "1"
            },
            dispose: { try? FileManager.default.removeItem(at: dir) })
    }

    /// A new empty temporary directory.
    public static func temporaryDirectory(prefix: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    // MARK: PostgreSQL

    /// The test server (`STRATA_TEST_PG_URL`) as a target.
    public static func postgresServerTarget() throws -> PostgresTarget {
        let url = try TestEnvironment.requiredPostgresURL()
        guard case .postgres(let target) = try DatabaseTarget.parse(url, origin: "STRATA_TEST_PG_URL") else {
            throw SetupError("STRATA_TEST_PG_URL is not a postgres:// URL")
        }
        return target
    }

    /// A new database `strata_t_<random>` on the test server, dropped (WITH (FORCE)) on dispose.
    public static func postgres() async throws -> DriverTestDatabase {
        let server = try postgresServerTarget()
        let name = "strata_t_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try await PostgresDriver(target: server).withSession { try await $0.execute("CREATE DATABASE \(name)") }
        var target = server
        target.database = name
        let driver = PostgresDriver(target: target)
        return DriverTestDatabase(
            driver: driver,
            tables: {
                try await driver.withSession {
                    try await $0.query("""
                        SELECT table_name FROM information_schema.tables
                        WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' ORDER BY table_name
                        """)
                }.compactMap { $0[0] }
            },
            tableExists: { table in
                try await driver.withSession {
                    try await $0.query("""
                        SELECT count(*) FROM information_schema.tables
                        WHERE table_schema = \(sqlText(table.schema ?? "public")) AND table_name = \(sqlText(table.name))
                        """)
                }.first?[0] == "1"
            },
            dispose: {
                _ = try? await PostgresDriver(target: server).withSession { try await $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            })
    }

    static func sqlText(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Yields a fresh database for each call.
public typealias DriverTestFactory = @Sendable () async throws -> DriverTestDatabase
