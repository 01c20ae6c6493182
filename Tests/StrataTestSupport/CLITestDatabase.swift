import Foundation
import StrataKit

/// A fresh PostgreSQL database `strata_t_<random>` for one end-to-end test: its URL (password included,
/// for handing to the `strata` binary), its parts (for PG* / DATABASE_* variables), and a way to look at it
/// that does not go through the CLI.
///
/// ```swift
/// try await CLITestDatabase.with { db in
///     // run `strata up -d \(db.url)` …
///     #expect(try await db.scalar("SELECT count(*) FROM strata_migrations") == "3")
/// }
/// ```
public struct CLITestDatabase: Sendable {
    public let name: String
    /// The server's target with `database` set to this database.
    public let target: PostgresTarget
    let server: PostgresTarget

    public var host: String { target.host }
    public var port: Int { target.port }
    public var user: String { target.user }
    public var password: String { target.password ?? "" }

    /// `postgres://user:password@host:port/name`.
    public var url: String { url(password: target.password) }

    /// This database's URL with another password (nil: none), or another port.
    public func url(password: String?, port: Int? = nil) -> String {
        var c = URLComponents()
        c.scheme = "postgres"
        c.user = user
        c.password = password
        c.host = host
        c.port = port ?? self.port
        c.path = "/" + name
        return c.string ?? "postgres://\(user)@\(host):\(port ?? self.port)/\(name)"
    }

    /// Creates the database on the test server (`STRATA_TEST_PG_URL`).
    public static func create() async throws -> CLITestDatabase {
        let url = try TestEnvironment.requiredPostgresURL()
        guard case .postgres(let server) = try DatabaseTarget.parse(url, origin: "STRATA_TEST_PG_URL") else {
            throw SetupFailure("STRATA_TEST_PG_URL is not a postgres:// URL")
        }
        let name = "strata_t_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try await PostgresDriver(target: server).withSession { try await $0.execute("CREATE DATABASE \(name)") }
        var target = server
        target.database = name
        return CLITestDatabase(name: name, target: target, server: server)
    }

    /// Makes a database, runs `body`, and drops the database whether `body` throws or not.
    public static func with(_ body: (CLITestDatabase) async throws -> Void) async throws {
        let db = try await create()
        do {
            try await body(db)
        } catch {
            await db.drop()
            throw error
        }
        await db.drop()
    }

    /// `DROP DATABASE … WITH (FORCE)`: also ends sessions a killed process may have left behind.
    public func drop() async {
        _ = try? await PostgresDriver(target: server).withSession { try await $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    /// Runs `body` on one session to this database (for polling loops).
    public func withSession<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R {
        try await PostgresDriver(target: target).withSession(body)
    }

    public func query(_ sql: String) async throws -> [Row] {
        try await withSession { try await $0.query(sql) }
    }

    public func execute(_ sql: String) async throws {
        try await withSession { try await $0.execute(sql) }
    }

    /// The first column of the first row (nil when there is no row or it is NULL).
    public func scalar(_ sql: String) async throws -> String? {
        try await query(sql).first?[0]
    }

    /// Every user table in `public`, sorted, Strata's history tables left out.
    public func userTables() async throws -> [String] {
        try await query("""
            SELECT tablename FROM pg_tables WHERE schemaname = 'public'
            AND tablename NOT IN ('strata_migrations', 'strata_events') ORDER BY tablename
            """).compactMap { $0[0] }
    }

    /// Whether a relation (table, index…) of this name exists.
    public func relationExists(_ name: String) async throws -> Bool {
        try await scalar("SELECT to_regclass('\(name.replacingOccurrences(of: "'", with: "''"))') IS NOT NULL") == "true"
    }

    /// The applied versions in `strata_migrations`, sorted; empty when the table does not exist.
    public func appliedVersions() async throws -> [String] {
        guard try await relationExists("strata_migrations") else { return [] }
        return try await query("SELECT version FROM strata_migrations ORDER BY version").compactMap { $0[0] }
    }

    /// Whether another session in this database is running a statement that starts with `prefix`, alone or as one
    /// line of a batched migration (a `DO $strata_batch$` block).
    public func isRunning(_ prefix: String) async throws -> Bool {
        let p = prefix.replacingOccurrences(of: "'", with: "''")
        return try await scalar("""
            SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND state = 'active' AND (starts_with(query, '\(p)') OR (starts_with(query, 'DO $strata_batch') AND strpos(query, E'\\n\(p)') > 0))
            """) != "0"
    }

    /// Advisory locks currently held or awaited in this database.
    public func advisoryLockCount() async throws -> Int {
        Int(try await scalar("""
            SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """) ?? "") ?? -1
    }

    public struct SetupFailure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
