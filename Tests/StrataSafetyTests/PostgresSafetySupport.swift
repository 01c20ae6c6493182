// Helpers for the PostgreSQL safety tests: the fresh test database's target, dumps taken with the
// matching pg_dump (for byte comparisons), and waiting for a database to have no sessions.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety
import StrataTestSupport

extension DriverTestDatabase {
    /// The fresh database's target (with the test server's credentials).
    func postgresTarget(sourceLocation: SourceLocation = #_sourceLocation) throws -> PostgresTarget {
        try #require((driver as? PostgresDriver)?.target, "not a PostgreSQL test database", sourceLocation: sourceLocation)
    }

    func exec(_ statements: [String]) async throws {
        try await driver.withSession { s in for sql in statements { try await s.execute(sql) } }
    }

    func values(_ sql: String) async throws -> [[String]] {
        try await driver.withSession { try await $0.query(sql) }.map { $0.values.map { $0 ?? "NULL" } }
    }

    func value(_ sql: String) async throws -> String? { try await values(sql).first?.first }
}

enum PostgresDumps {
    /// `pg_dump` of the server's major version, run with the target's credentials in its environment; the
    /// `\restrict` / `\unrestrict` lines (a random key per dump) are removed.
    static func dump(_ target: PostgresTarget, _ arguments: [String]) async throws -> String {
        let (_, tools) = try await PostgresBackupEngine(target: target, makeDriver: { Drivers.driver(for: $0) }).tools()
        let out = try await tools.command(tools.pgDump, ["--no-password"] + arguments, target: target).runChecked().stdout
        return out.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
            .joined(separator: "\n")
    }

    static func schema(_ target: PostgresTarget) async throws -> String { try await dump(target, ["--schema-only"]) }
    static func data(_ target: PostgresTarget) async throws -> String { try await dump(target, ["--data-only"]) }

    /// Every user table's row count, `schema.table=count`, sorted.
    static func rowCounts(_ db: DriverTestDatabase) async throws -> [String] {
        var out: [String] = []
        for r in try await db.values("""
            SELECT format('%I.%I', schemaname, tablename) FROM pg_catalog.pg_tables
            WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
            """) {
            out.append("\(r[0])=\(try await db.value("SELECT count(*) FROM \(r[0])") ?? "?")")
        }
        return out
    }
}

enum PostgresServer {
    /// A session on the server's own database (not a test database).
    static func withSession<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R {
        try await PostgresDriver(target: try DriverTestDatabase.postgresServerTarget()).withSession(body)
    }

    /// Databases whose name starts with `prefix`.
    static func databases(prefix: String) async throws -> [String] {
        try await withSession { try await $0.query("SELECT datname FROM pg_catalog.pg_database WHERE starts_with(datname, '\(prefix)') ORDER BY 1") }
            .compactMap { $0[0] }
    }

    /// Waits (up to 10 s) until no session is connected to `database`: a closed connection's backend
    /// leaves pg_stat_activity shortly after the client is gone.
    static func waitForNoSessions(on database: String) async throws {
        for _ in 0..<100 {
            let n = try await withSession { try await $0.query("SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = '\(database)'") }.first?[0]
            if n == "0" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("sessions still connected to \(database) after 10 s")
    }

    /// Drops every database starting with `prefix` (clean-up after a failed test).
    static func dropAll(prefix: String) async {
        _ = try? await withSession { s in
            for name in try await s.query("SELECT datname FROM pg_catalog.pg_database WHERE starts_with(datname, '\(prefix)')").compactMap({ $0[0] }) {
                try await s.execute("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
            }
        }
    }
}
