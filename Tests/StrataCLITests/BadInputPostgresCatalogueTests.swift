import Foundation
import StrataKit
import StrataTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The bad-input catalogue, part 3, on PostgreSQL: a read-only database user, a database that does not exist,
/// a missing or broken `pg_dump`, and SQL the server rejects. Each: the documented exit code, a message naming
/// the cause, and the database's ``DatabaseSnapshot`` unchanged.
@Suite("Bad input catalogue: PostgreSQL", .enabled(if: TestEnvironment.postgresEnabled))
struct BadInputPostgresCatalogueTests {
    static func twoMigrations(_ ws: CLIWorkspace) throws {
        try ws.migration("0001_a.sql", up: "CREATE TABLE a (id integer);\nINSERT INTO a VALUES (1);", down: "DROP TABLE a;")
        try ws.migration("0002_b.sql", up: "CREATE TABLE b (id integer);", down: "DROP TABLE b;")
    }

    @Test("a read-only user (CONNECT, USAGE, SELECT): up fails with a permission error, nothing changed")
    func readOnlyUser() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try Self.twoMigrations(ws)
                try await db.execute("CREATE TABLE existing (id integer)")
                try await db.execute("INSERT INTO existing VALUES (42)")
                let role = "strata_ro_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
                try await db.execute("CREATE ROLE \(role) LOGIN PASSWORD 'ro-secret-pw'")
                do { try await Self.readOnlyRun(ws, db, role: role) } catch {
                    await Self.dropRole(role, db: db)
                    throw error
                }
                await Self.dropRole(role, db: db)
            }
        }
    }

    static func readOnlyRun(_ ws: CLIWorkspace, _ db: CLITestDatabase, role: String) async throws {
        for sql in ["REVOKE ALL ON SCHEMA public FROM PUBLIC", "REVOKE ALL ON DATABASE \(db.name) FROM PUBLIC",
                    "GRANT CONNECT ON DATABASE \(db.name) TO \(role)", "GRANT USAGE ON SCHEMA public TO \(role)",
                    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(role)"] {
            try await db.execute(sql)
        }
        let before = try await db.snapshot()
        var c = URLComponents(string: db.url)
        c?.user = role
        c?.password = "ro-secret-pw"
        let url = try #require(c?.string)

        let r = try await ws.run(["up", "-d", url])
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stderr.contains("permission denied"), "\(r)")
        #expect(r.stderr.contains("public"), "the message names the schema: \(r)")
        #expect(!r.output.contains("ro-secret-pw"), "\(r)")
        #expect(try await db.snapshot() == before)

        let status = try await ws.run(["status", "-d", url])
        #expect(status.exitCode == 0, "status only reads: \(status)")
        #expect(status.stdout.contains("pending"), "\(status)")
        #expect(try await db.snapshot() == before)
    }

    static func dropRole(_ role: String, db: CLITestDatabase) async {
        _ = try? await db.execute("DROP OWNED BY \(role)")
        await db.drop()
        var server = db.target
        server.database = "postgres"
        _ = try? await PostgresDriver(target: server).withSession { try await $0.execute("DROP ROLE IF EXISTS \(role)") }
    }

    @Test("a database that does not exist: exit 3 naming it")
    func missingDatabase() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try Self.twoMigrations(ws)
                let url = db.url.replacingOccurrences(of: "/" + db.name, with: "/" + db.name + "_nope")
                let r = try await ws.run(["up", "-d", url])
                #expect(r.exitCode == 3, "\(r)")
                #expect(r.stderr.contains(db.name + "_nope"), "\(r)")
                #expect(!r.output.contains(db.password) || db.password.isEmpty, "\(r)")
            }
        }
    }

    @Test("a statement the server rejects: exit 1 naming file and line, the migration rolled back, history unchanged")
    func rejectedStatement() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try Self.twoMigrations(ws)
                #expect(try await ws.run(["up", "-d", db.url, "--to", "0001"]).exitCode == 0)
                try ws.migration("0003_c.sql", up: "CREATE TABLE c (id integer);\nINSERT INTO c VALUES ('not a number');")
                let before = try await db.snapshot()
                let r = try await ws.run(["up", "-d", db.url])
                #expect(r.exitCode == 1, "\(r)")
                #expect(r.stderr.contains("0003_c.sql:3"), "names the file and line of the failing statement: \(r)")
                #expect(r.stderr.contains("invalid input syntax"), "\(r)")
                // 0002 succeeded and stays; 0003 left nothing behind but its rolled_back event.
                #expect(try await db.appliedVersions() == ["0001", "0002"])
                #expect(try await db.relationExists("c") == false)
                #expect(try await db.scalar("SELECT count(*) FROM strata_events WHERE version = '0003' AND outcome = 'rolled_back'") == "1")
                var after = try await db.snapshot()
                after.relations.removeAll { $0.hasPrefix("public.b") }
                after.columns.removeAll { $0.hasPrefix("public.b.") }
                after.rows["public.b"] = nil
                after.rows["public.strata_migrations"] = before.rows["public.strata_migrations"]
                after.rows["public.strata_events"] = before.rows["public.strata_events"]
                #expect(after == before, "nothing but 0002 and the history rows changed")
            }
        }
    }

    // MARK: pg_dump

    /// Whether this host lets the tests hide the PostgreSQL client programs in a private mount namespace
    /// (root, with `unshare` and bind mounts allowed).
    static let canHideClientTools: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
              FileManager.default.fileExists(atPath: "/usr/lib/postgresql") else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-m", "/bin/sh", "-c", "/usr/bin/mount --bind /tmp /usr/lib/postgresql"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    /// Runs strata with no pg_dump anywhere: `/usr/lib/postgresql` hidden by an empty bind mount in a private
    /// mount namespace, and PATH an empty directory.
    static func runWithoutClientTools(_ ws: CLIWorkspace, _ arguments: [String]) async throws -> CLIResult {
        let empty = ws.path("empty-bin")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let script = "/usr/bin/mount --bind \"$0\" /usr/lib/postgresql || exit 97; exec \"$@\""
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-m", "/bin/sh", "-c", script, empty, TestEnvironment.strataBinary] + arguments
        p.currentDirectoryURL = ws.directory
        p.environment = ws.environment.merging(["PATH": empty]) { _, new in new }
        p.standardInput = FileHandle.nullDevice
        let out = ws.logDirectory.appendingPathComponent(UUID().uuidString + ".out")
        let err = ws.logDirectory.appendingPathComponent(UUID().uuidString + ".err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        let started = ContinuousClock.now
        try p.run()
        while p.isRunning {
            if ContinuousClock.now - started > .seconds(60) { kill(p.processIdentifier, SIGKILL) }
            try await Task.sleep(for: .milliseconds(20))
        }
        p.waitUntilExit()
        return CLIResult(arguments: arguments, exitCode: p.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", elapsed: .now - started)
    }

    @Test("no pg_dump anywhere: backup and up --safe fail before touching the database, naming pg_dump and the fix",
          .enabled(if: canHideClientTools, "needs root and unshare to hide /usr/lib/postgresql"))
    func missingPgDump() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try Self.twoMigrations(ws)
                #expect(try await ws.run(["up", "-d", db.url, "--to", "0001"]).exitCode == 0)
                let before = try await db.snapshot()
                for arguments in [["backup", "-d", db.url], ["up", "--safe", "--skip-test", "-d", db.url]] {
                    let r = try await Self.runWithoutClientTools(ws, arguments)
                    #expect(r.exitCode != 97, "the bind mount failed: \(r)")
                    #expect(r.exitCode == 1, "\(r)")
                    #expect(r.stderr.contains("no pg_dump/pg_restore for PostgreSQL 15"), "\(r)")
                    #expect(r.stderr.contains("STRATA_PG_BINDIR"), "says how to fix it: \(r)")
                    var after = try await db.snapshot()
                    after.rows["public.strata_events"] = before.rows["public.strata_events"]
                    #expect(after == before, "\(arguments): nothing applied")
                }
                #expect(try await db.appliedVersions() == ["0001"])
            }
        }
    }

    @Test("a pg_dump that fails: backup exits 1 with pg_dump's own message, nothing applied by up --safe")
    func brokenPgDump() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try Self.twoMigrations(ws)
                #expect(try await ws.run(["up", "-d", db.url, "--to", "0001"]).exitCode == 0)
                let fake = ws.path("fake-bin")
                for tool in ["pg_dump", "pg_restore"] {
                    try ws.write("fake-bin/\(tool)", """
                        #!/bin/sh
                        if [ "$1" = "--version" ]; then echo "\(tool) (PostgreSQL) 15.99"; exit 0; fi
                        echo "\(tool): error: disk quota exceeded (fake)" >&2
                        exit 1
                        """)
                    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake + "/" + tool)
                }
                let before = try await db.snapshot()
                for arguments in [["backup", "-d", db.url], ["up", "--safe", "--skip-test", "-d", db.url]] {
                    let r = try await ws.run(arguments, environment: ["STRATA_PG_BINDIR": fake])
                    #expect(r.exitCode == 1, "\(r)")
                    #expect(r.stderr.contains("disk quota exceeded (fake)"), "\(r)")
                    var after = try await db.snapshot()
                    after.rows["public.strata_events"] = before.rows["public.strata_events"]
                    #expect(after == before, "\(arguments): nothing applied")
                }
            }
        }
    }
}
