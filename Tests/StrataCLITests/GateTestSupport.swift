import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// `strata check --json`, as the README documents it.
struct CheckOutput: Decodable {
    struct Version: Decodable, Equatable {
        var version: String
        var name: String
    }
    struct Dirty: Decodable {
        var version: String
        var name: String
        var failedStatement: Int?
        var inProgress: Bool
    }
    var ready: Bool
    var verdict: String
    var database: String
    var environment: String?
    var currentVersion: String?
    var headVersion: String?
    var historyTableExists: Bool
    var pending: [Version]
    var dirty: [Dirty]
    var changed: [Version]
    var ahead: [Version]
    var requiredTables: [String]
    var missingTables: [String]
    var lockHolder: String?
    var fixCommand: String
    var message: String
    var attempts: Int
    var waitedMs: Int
    var checkedAt: String

    static let keys: Set<String> = ["ready", "verdict", "database", "environment", "current_version", "head_version", "history_table_exists",
                                    "pending", "dirty", "changed", "ahead", "required_tables", "missing_tables", "lock_holder", "fix_command",
                                    "message", "attempts", "waited_ms", "checked_at"]
}

/// `strata preflight --json`, as the README documents it.
struct PreflightOutput: Decodable {
    struct Dirty: Decodable {
        var version: String
        var name: String
        var failedStatement: Int?
        var direction: String
        var advice: String
    }
    struct Check: Decodable {
        var name: String
        var status: String
        var detail: String
    }
    var ok: Bool
    var reachable: Bool
    var database: String
    var directory: String
    var migrations: Int?
    var latencyMs: Int?
    var serverVersion: String?
    var historyTableExists: Bool?
    var appliedCount: Int?
    var latestVersion: String?
    var pendingCount: Int?
    var pending: [CheckOutput.Version]?
    var dirty: [Dirty]?
    var changed: [CheckOutput.Version]?
    var missingFiles: [CheckOutput.Version]?
    var lockHolder: String?
    var checks: [Check]

    func check(_ name: String) -> Check? { checks.first { $0.name == name } }

    static let keys: Set<String> = ["ok", "reachable", "database", "environment", "directory", "migrations", "latency_ms", "server_version",
                                    "history_table_exists", "applied_count", "latest_version", "pending_count", "pending", "dirty", "changed",
                                    "missing_files", "lock_holder", "checks"]
}

extension CLIWorkspace {
    /// `0001_create_users.sql` and `0002_create_posts.sql`.
    func gateMigrations() throws {
        try migration("0001_create_users.sql", up: "CREATE TABLE users (id integer PRIMARY KEY, email text);", down: "DROP TABLE users;")
        try migration("0002_create_posts.sql", up: "CREATE TABLE posts (id integer PRIMARY KEY, user_id integer);", down: "DROP TABLE posts;")
    }

    /// `0003_audit.sql`: outside a transaction, its second statement fails, so `up` leaves it dirty.
    func brokenNoTransactionMigration() throws {
        try write("migrations/0003_audit.sql", """
            -- strata:up
            -- strata:no-transaction
            CREATE TABLE audit (id integer);
            INSERT INTO no_such_table VALUES (1);
            -- strata:down
            DROP TABLE audit;

            """)
    }

    /// `preflight --json` with `args`, decoded, with the exit code.
    func preflight(_ args: [String]) async throws -> (CLIResult, PreflightOutput) {
        let r = try await run(["preflight", "--json"] + args)
        return (r, try decodeJSON(PreflightOutput.self, from: r.stdout))
    }

    /// `check --json` with `args`, decoded, with the exit code.
    func check(_ args: [String], limit: Duration = .seconds(60)) async throws -> (CLIResult, CheckOutput) {
        let r = try await run(["check", "--json"] + args, limit: limit)
        return (r, try decodeJSON(CheckOutput.self, from: r.stdout))
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on (connections are refused at once).
let closedPortURL = "postgres://strata@127.0.0.1:1/nothing"

/// Waits until the process's stderr contains `text` (false when it exits first or `limit` passes).
func stderrShows(_ process: CLIProcess, _ text: String, within limit: Duration = .seconds(60)) async -> Bool {
    await eventually(within: limit) { process.stderrSoFar.contains(text) || !process.isRunning } && process.stderrSoFar.contains(text)
}
