import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// The `status --json` shape the README documents.
struct StatusJSON: Decodable {
    struct Item: Decodable {
        var version: String
        var name: String
        var state: String
        var appliedAt: String?
    }
    var migrations: [Item]
}

extension CLIWorkspace {
    /// The default database file, `strata.sqlite` in the working directory.
    var sqlitePath: String { path("strata.sqlite") }

    /// Runs `body` on a session to `strata.sqlite`; nil when the file does not exist (it is never created here).
    func withSQLite<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R? {
        guard FileManager.default.fileExists(atPath: sqlitePath) else { return nil }
        return try await SQLiteDriver(path: sqlitePath).withSession(body)
    }

    /// Versions in `strata_migrations` (empty when there is no file or no history table).
    func sqliteAppliedVersions() async throws -> [String] {
        try await withSQLite { s -> [String] in
            guard try await s.query("SELECT count(*) FROM sqlite_master WHERE name = 'strata_migrations'").first?[0] == "1" else { return [] }
            return try await s.query("SELECT version FROM strata_migrations ORDER BY version").compactMap { $0[0] }
        } ?? []
    }

    func sqliteTableExists(_ name: String) async throws -> Bool {
        try await withSQLite { try await $0.query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '\(name)'").first?[0] == "1" } ?? false
    }

    /// `status --json`, decoded.
    func status(_ extra: [String] = []) async throws -> StatusJSON {
        let r = try await run(["status", "--json"] + extra)
        #expect(r.exitCode == 0, "\(r)")
        return try decodeJSON(StatusJSON.self, from: r.stdout)
    }
}

@Suite("CLI on SQLite: the everyday workflow")
struct SQLiteWorkflowTests {
    @Test("init, new, up, status, status --json, down, current, history")
    func everydayWorkflow() async throws {
        try await CLIWorkspace.with { ws in
            let initRun = try await ws.run(["init"])
            #expect(initRun.exitCode == 0, "\(initRun)")
            #expect(ws.exists("strata.toml"))
            let example = try FileManager.default.contentsOfDirectory(atPath: ws.path("migrations"))
            try #require(example.count == 1, "init should add one example migration: \(example)")

            let new = try await ws.run(["new", "create_users"])
            #expect(new.exitCode == 0, "\(new)")
            let files = try FileManager.default.contentsOfDirectory(atPath: ws.path("migrations")).sorted()
            let usersFile = try #require(files.first { $0.hasSuffix("_create_users.sql") }, "\(files)")
            #expect(new.stdout.contains(usersFile))
            let usersVersion = String(usersFile.prefix { $0.isNumber })
            let exampleVersion = String(try #require(example.first).prefix { $0.isNumber })
            #expect(usersVersion > exampleVersion, "new must number after the existing migration")
            try ws.migration(usersFile, up: "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);", down: "DROP TABLE users;")

            let up = try await ws.run(["up"])
            #expect(up.exitCode == 0, "\(up)")
            #expect(up.stdout.contains("create_users"))
            #expect(try await ws.sqliteTableExists("users"))
            #expect(try await ws.sqliteAppliedVersions() == [exampleVersion, usersVersion])

            let status = try await ws.run(["status"])
            #expect(status.exitCode == 0, "\(status)")
            #expect(status.stdout.contains("2 applied, 0 pending"), "\(status)")
            #expect(status.stdout.contains(usersVersion))

            // The documented JSON shape, read without a schema.
            let statusJSON = try await ws.run(["status", "--json"])
            #expect(statusJSON.exitCode == 0, "\(statusJSON)")
            let object = try jsonObject(statusJSON.stdout)
            for key in ["database", "environment", "directory", "current", "pending", "migrations"] {
                #expect(object.keys.contains(key), "status --json lacks `\(key)`: \(statusJSON)")
            }
            let items = try #require(object["migrations"] as? [[String: Any]], "\(statusJSON)")
            #expect(items.count == 2)
            for item in items {
                #expect(item["version"] is String, "version must be a string: \(item)")
                #expect(item["name"] is String)
                #expect(item["state"] as? String == "applied")
                let appliedAt = try #require(item["applied_at"] as? String, "\(item)")
                #expect(isoDate(appliedAt) != nil, "applied_at \(appliedAt) is not ISO-8601")
            }
            #expect(items.compactMap { $0["version"] as? String } == [exampleVersion, usersVersion])

            let down = try await ws.run(["down"])
            #expect(down.exitCode == 0, "\(down)")
            #expect(!(try await ws.sqliteTableExists("users")))
            let afterDown = try await ws.status()
            #expect(afterDown.migrations.map(\.state) == ["applied", "pending"])
            #expect(afterDown.migrations.last?.appliedAt == nil)

            // A pending item keeps the documented keys (applied_at is null, not missing).
            let pendingJSON = try jsonObject(try await ws.run(["status", "--json"]).stdout)
            let pendingItem = try #require((pendingJSON["migrations"] as? [[String: Any]])?.last)
            #expect(Set(pendingItem.keys) == ["version", "name", "state", "applied_at", "checksum", "file", "failed_statement"],
                    "a pending item must keep every documented key (null when empty): \(pendingItem)")
            #expect(pendingItem["applied_at"] is NSNull)

            let current = try await ws.run(["current"])
            #expect(current.exitCode == 0, "\(current)")
            #expect(current.stdout.hasPrefix(exampleVersion), "\(current)")
            #expect(current.stdout.contains("1 pending"))

            let history = try await ws.run(["history"])
            #expect(history.exitCode == 0, "\(history)")
            let rows = history.stdout.split(separator: "\n").dropFirst()
            #expect(rows.count == 3, "\(history)")
            #expect(rows.first?.contains(usersVersion) == true && rows.first?.contains("down") == true, "newest first: \(history)")
            #expect(rows.filter { $0.contains(" up ") }.count == 2, "\(history)")
        }
    }

    @Test("--dry-run prints the transaction and its bookkeeping, and changes nothing")
    func dryRunChangesNothing() async throws {
        try await CLIWorkspace.with { ws in
            try ws.migration("0001_first.sql", up: "CREATE TABLE first (id integer);", down: "DROP TABLE first;")
            let first = try await ws.run(["up"])
            try #require(first.exitCode == 0, "\(first)")
            try ws.migration("0002_second.sql", up: "CREATE TABLE second_table (id integer, note text);", down: "DROP TABLE second_table;")
            let before = try Data(contentsOf: URL(fileURLWithPath: ws.sqlitePath))

            let dry = try await ws.run(["up", "--dry-run"])
            #expect(dry.exitCode == 0, "\(dry)")
            let lines = dry.stdout.split(separator: "\n").map(String.init)
            let begin = try #require(lines.firstIndex { $0.hasPrefix("BEGIN") }, "\(dry)")
            let create = try #require(lines.firstIndex { $0.contains("CREATE TABLE second_table (id integer, note text)") }, "\(dry)")
            let insert = try #require(lines.firstIndex { $0.hasPrefix("INSERT INTO \"strata_migrations\"") && $0.contains("'0002'") }, "\(dry)")
            let commit = try #require(lines.lastIndex { $0 == "COMMIT;" }, "\(dry)")
            #expect(begin < create && create < insert && insert < commit, "statements out of order:\n\(dry.stdout)")
            #expect(!dry.stdout.contains("first (id integer)"), "the applied migration must not be printed")

            let after = try Data(contentsOf: URL(fileURLWithPath: ws.sqlitePath))
            #expect(after == before, "the database file changed")
            #expect(!(try await ws.sqliteTableExists("second_table")))
            #expect(try await ws.status().migrations.map(\.state) == ["applied", "pending"])
        }
    }
}

/// Parses `2026-11-23T16:47:34.245Z`.
func isoDate(_ text: String) -> Date? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.date(from: text)
}

/// Output into a pipe that closes early (`strata … | head -1`) must not crash the process.
@Suite struct ClosedPipeTests {
    @Test func closedStdoutDoesNotCrash() async throws {
        let ws = try CLIWorkspace()
        let dir = ws.directory.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for i in 1...300 {
            try "-- strata:up\nCREATE TABLE t\(i) (id integer);\n-- strata:down\nDROP TABLE t\(i);\n"
                .write(to: dir.appendingPathComponent(String(format: "%04d_t%d.sql", i, i)), atomically: true, encoding: .utf8)
        }
        // Capture strata's own exit status through a file; `head -1` closes the pipe after one line.
        let statusFile = ws.directory.appendingPathComponent("status")
        let p2 = Process()
        p2.executableURL = URL(fileURLWithPath: "/bin/sh")
        p2.arguments = ["-c", "('\(TestEnvironment.strataBinary)' up --dry-run; echo $? > '\(statusFile.path)') | head -1 >/dev/null"]
        p2.currentDirectoryURL = ws.directory
        p2.environment = ws.environment
        p2.standardOutput = FileHandle.nullDevice
        p2.standardError = FileHandle.nullDevice
        try p2.run()
        p2.waitUntilExit()
        let status = try String(contentsOf: statusFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(status == "0", "strata exited with \(status) when its stdout closed (132 or 134 would be a crash)")
    }
}
