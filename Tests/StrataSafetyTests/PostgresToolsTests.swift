// PostgresTools: version parsing, where tools are looked for, finding the installed ones, and passing
// credentials in the environment only; ExternalCommand running, failing, piping and being cancelled.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety
import StrataTestSupport

struct PostgresToolsTests {
    @Test("major version of pg_dump --version", arguments: [
        ("pg_dump (PostgreSQL) 15.4 (Debian 15.4-1.pgdg120+1)", 15),
        ("pg_dump (PostgreSQL) 15.18\n", 15),
        ("pg_dump (PostgreSQL) 9.6.24", 9),
        ("pg_restore (PostgreSQL) 17beta2", 17),
    ] as [(String, Int)])
    func toolVersion(text: String, major: Int) {
        #expect(PostgresTools.majorVersion(fromVersionOutput: text) == major)
    }

    @Test func unreadableToolVersions() {
        #expect(PostgresTools.majorVersion(fromVersionOutput: "") == nil)
        #expect(PostgresTools.majorVersion(fromVersionOutput: "pg_dump 15.4") == nil)
        #expect(PostgresTools.majorVersion(fromVersionOutput: "pg_dump (PostgreSQL) devel") == nil)
    }

    @Test("major version of the server", arguments: [
        ("PostgreSQL 15.4 (Debian 15.4-1.pgdg120+1) on x86_64-pc-linux-gnu", 15),
        ("15.18", 15),
        ("16devel", 16),
        ("9.6.24", 9),
    ] as [(String, Int)])
    func serverVersion(text: String, major: Int) {
        #expect(PostgresTools.majorVersion(fromServerVersion: text) == major)
    }

    @Test func unreadableServerVersions() {
        #expect(PostgresTools.majorVersion(fromServerVersion: "") == nil)
        #expect(PostgresTools.majorVersion(fromServerVersion: "PostgreSQL") == nil)
        #expect(PostgresTools.majorVersion(fromServerVersion: "CockroachDB 23") == nil)
    }

    @Test func candidateDirectoriesStartWithTheOverrideAndEndWithPATH() {
        let dirs = PostgresTools.candidateDirectories(environment: ["STRATA_PG_BINDIR": "/opt/pg/bin", "PATH": "/a/bin:/b/bin:/a/bin"])
        #expect(dirs.first == "/opt/pg/bin")
        #expect(Array(dirs.suffix(2)) == ["/a/bin", "/b/bin"], "PATH comes last, without duplicates")
        #expect(dirs.contains("/usr/pgsql-15/bin"))
        #expect(Set(dirs).count == dirs.count)
        #expect(PostgresTools.candidateDirectories(environment: ["STRATA_PG_BINDIR": "", "PATH": "/x"]).first != "")
    }

    @Test func credentialsTravelInTheEnvironmentOnly() throws {
        guard case .postgres(let target) = try DatabaseTarget.parse("postgres://app:s3cret-pw@db.example:6543/shop?sslmode=require", origin: "test") else {
            Issue.record("not a postgres target")
            return
        }
        let tools = PostgresTools(binDirectory: "/usr/lib/postgresql/15/bin", major: 15)
        let command = tools.command(tools.pgDump, ["--format=custom", "--file=/tmp/x.dump"], target: target, database: "copy_db")
        #expect(command.environment["PGPASSWORD"] == "s3cret-pw")
        #expect(command.environment["PGHOST"] == "db.example")
        #expect(command.environment["PGPORT"] == "6543")
        #expect(command.environment["PGUSER"] == "app")
        #expect(command.environment["PGDATABASE"] == "copy_db")
        #expect(command.environment["PGSSLMODE"] == "require")
        #expect(!command.arguments.joined().contains("s3cret"))
        #expect(!command.commandLine.contains("s3cret"))
        #expect(command.removedVariables.contains("PGPASSWORD") && command.removedVariables.contains("PGSERVICE"))
        #expect(PostgresTools.environment(for: target)["PGDATABASE"] == "shop")
    }

    @Test(.enabled(if: TestEnvironment.postgresEnabled))
    func locateFindsTheInstalledTools() async throws {
        let tools = try await PostgresTools.locate(serverMajor: 15)
        #expect(tools.major == 15)
        for path in [tools.pgDump, tools.pgRestore, tools.psql] {
            #expect(FileManager.default.isExecutableFile(atPath: path), "\(path)")
        }
        let version = try await ExternalCommand(executable: tools.pgDump, arguments: ["--version"]).runChecked().stdout
        #expect(PostgresTools.majorVersion(fromVersionOutput: version) == 15)
        // An older server is dumped by the oldest newer pg_dump; a newer one has none.
        #expect(try await PostgresTools.locate(serverMajor: 12).major == 15)
        do {
            _ = try await PostgresTools.locate(serverMajor: 99)
            Issue.record("found tools for PostgreSQL 99")
        } catch let e as SafetyError {
            #expect(e.message.contains("PostgreSQL 99") && e.message.contains("found only 15") && e.message.contains("STRATA_PG_BINDIR"), "\(e)")
        }
    }
}

struct ExternalCommandTests {
    @Test func runCapturesOutputAndStatus() async throws {
        let r = try await ExternalCommand(executable: "/bin/sh", arguments: ["-c", "echo out; echo err >&2; echo \"$STRATA_X\"; exit 3"],
                                          environment: ["STRATA_X": "from-env"]).run()
        #expect(r.status == 3)
        #expect(r.stdout == "out\nfrom-env\n")
        #expect(r.stderr == "err\n")
        do {
            try await ExternalCommand(executable: "/bin/sh", arguments: ["-c", "echo first >&2; echo last words >&2; exit 2"]).runChecked()
            Issue.record("a failing command passed")
        } catch let e as ExternalCommandError {
            #expect(e.message.contains("status 2") && e.message.contains("last words"), "\(e)")
        }
        await #expect(throws: ExternalCommandError.self) { try await ExternalCommand(executable: "/no/such/program", arguments: []).run() }
    }

    @Test func pipelineFeedsTheSecondAndFailsWhenEitherFails() async throws {
        let dir = try SafetyTempDir("pipeline")
        defer { dir.remove() }
        let out = dir.file("out.txt")
        try await ExternalCommand.pipeline(ExternalCommand(executable: "/bin/sh", arguments: ["-c", "seq 1 100000"]),
                                           ExternalCommand(executable: "/bin/sh", arguments: ["-c", "wc -l > '\(out)'"]))
        #expect(try String(contentsOfFile: out, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "100000")
        await #expect(throws: ExternalCommandError.self) {
            try await ExternalCommand.pipeline(ExternalCommand(executable: "/bin/sh", arguments: ["-c", "echo x; exit 4"]),
                                               ExternalCommand(executable: "/bin/cat", arguments: []))
        }
        await #expect(throws: ExternalCommandError.self) {
            try await ExternalCommand.pipeline(ExternalCommand(executable: "/bin/echo", arguments: ["x"]),
                                               ExternalCommand(executable: "/bin/sh", arguments: ["-c", "cat >/dev/null; exit 5"]))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellingTheTaskTerminatesTheProgram() async throws {
        let task = Task { try await ExternalCommand(executable: "/bin/sleep", arguments: ["600"]).run() }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }
}
