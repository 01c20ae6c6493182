import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// Bad files, flags and configuration: a clear message naming the culprit, the documented exit code,
/// and nothing applied — not even the valid migrations before the bad one.
@Suite("CLI on SQLite: bad input")
struct BadInputTests {
    /// Three valid migrations, `0001_a` … `0003_c`, each creating a table.
    static func threeMigrations(_ ws: CLIWorkspace) throws {
        for (v, t) in [("0001", "a"), ("0002", "b"), ("0003", "c")] {
            try ws.migration("\(v)_\(t).sql", up: "CREATE TABLE \(t) (id integer);", down: "DROP TABLE \(t);")
        }
    }

    /// Nothing applied: no history rows and none of the migrations' tables.
    static func expectNothingApplied(_ ws: CLIWorkspace, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await ws.sqliteAppliedVersions() == [], sourceLocation: sourceLocation)
        for t in ["a", "b", "c"] { #expect(!(try await ws.sqliteTableExists(t)), "table \(t) exists", sourceLocation: sourceLocation) }
    }

    @Test("duplicate versions: exit 5, both files named, nothing applied")
    func duplicateVersions() async throws {
        try await CLIWorkspace.with { ws in
            try Self.threeMigrations(ws)
            try ws.migration("0003_also_c.sql", up: "CREATE TABLE c2 (id integer);")
            let r = try await ws.run(["up"])
            #expect(r.exitCode == 5, "\(r)")
            #expect(r.stderr.contains("0003_c.sql") && r.stderr.contains("0003_also_c.sql"), "\(r)")
            #expect(r.stderr.contains("duplicate"), "\(r)")
            try await Self.expectNothingApplied(ws)
        }
    }

    @Test("an unterminated dollar quote in file 3 of 3: exit 5 with file:line:col, every migration still pending")
    func unterminatedDollarQuote() async throws {
        try await CLIWorkspace.with { ws in
            try Self.threeMigrations(ws)
            // Line 3, column 8 is where `$body$` opens.
            try ws.write("migrations/0003_c.sql", "-- strata:up\nCREATE TABLE c (id integer);\nSELECT $body$ never closed;\n-- strata:down\nDROP TABLE c;\n")
            let r = try await ws.run(["up"])
            #expect(r.exitCode == 5, "\(r)")
            #expect(r.stderr.contains("0003_c.sql:3:8"), "\(r)")
            #expect(r.stderr.contains("$body$"), "\(r)")
            try await Self.expectNothingApplied(ws)

            try ws.migration("0003_c.sql", up: "CREATE TABLE c (id integer);", down: "DROP TABLE c;")
            #expect(try await ws.status().migrations.map(\.state) == ["pending", "pending", "pending"])
        }
    }

    @Test("a malformed database URL: exit 2, named, password not echoed")
    func malformedURL() async throws {
        try await CLIWorkspace.with { ws in
            try Self.threeMigrations(ws)
            let r = try await ws.run(["up", "--database", "postgres://app:hunter22-pw@db.example:notaport/app"])
            #expect(r.exitCode == 2, "\(r)")
            #expect(r.stderr.contains("--database") && r.stderr.contains("URL"), "\(r)")
            #expect(!r.output.contains("hunter22-pw"), "\(r)")
            let unsupported = try await ws.run(["up", "-d", "mysql://root@db/app"])
            #expect(unsupported.exitCode == 2, "\(unsupported)")
            #expect(unsupported.stderr.contains("mysql"), "\(unsupported)")
            try await Self.expectNothingApplied(ws)
            #expect(!ws.exists("strata.sqlite"))
        }
    }

    @Test("an unknown environment: exit 2, named with the ones that exist")
    func unknownEnvironment() async throws {
        try await CLIWorkspace.with { ws in
            try Self.threeMigrations(ws)
            try ws.write("strata.toml", "[environments.staging]\ndatabase = \"sqlite:staging.sqlite\"\n")
            let r = try await ws.run(["up", "--env", "prodution"])
            #expect(r.exitCode == 2, "\(r)")
            #expect(r.stderr.contains("prodution") && r.stderr.contains("staging"), "\(r)")
            let viaVariable = try await ws.run(["up"], environment: ["STRATA_ENV": "prodution"])
            #expect(viaVariable.exitCode == 2, "\(viaVariable)")
            #expect(viaVariable.stderr.contains("STRATA_ENV"), "\(viaVariable)")
            try await Self.expectNothingApplied(ws)
            #expect(!ws.exists("staging.sqlite"))
        }
    }

    @Test("an unknown flag: exit 2, named")
    func unknownFlag() async throws {
        try await CLIWorkspace.with { ws in
            try Self.threeMigrations(ws)
            let r = try await ws.run(["up", "--dry-runn"])
            #expect(r.exitCode == 2, "\(r)")
            #expect(r.stderr.contains("--dry-runn"), "\(r)")
            try await Self.expectNothingApplied(ws)
        }
    }

    @Test("down --steps 0: exit 2, nothing reverted")
    func zeroSteps() async throws {
        try await CLIWorkspace.with { ws in
            try Self.threeMigrations(ws)
            try #require(try await ws.run(["up"]).exitCode == 0)
            let r = try await ws.run(["down", "--steps", "0"])
            #expect(r.exitCode == 2, "\(r)")
            #expect(r.stderr.contains("--steps"), "\(r)")
            #expect(try await ws.sqliteAppliedVersions() == ["0001", "0002", "0003"])
        }
    }

    @Test("a file edited after strata hash: exit 5 naming it, nothing applied")
    func sumFileMismatch() async throws {
        try await CLIWorkspace.with { ws in
            try Self.threeMigrations(ws)
            let hash = try await ws.run(["hash"])
            try #require(hash.exitCode == 0, "\(hash)")
            #expect(ws.exists("migrations/strata.sum"))
            try ws.migration("0002_b.sql", up: "CREATE TABLE b (id integer, extra text);", down: "DROP TABLE b;")
            let r = try await ws.run(["up"])
            #expect(r.exitCode == 5, "\(r)")
            #expect(r.stderr.contains("0002_b.sql") && r.stderr.contains("strata.sum"), "\(r)")
            try await Self.expectNothingApplied(ws)
            let validate = try await ws.run(["validate", "--offline"])
            #expect(validate.exitCode == 5, "\(validate)")
        }
    }

    @Test("an applied file edited: validate and up exit 5 naming it; the same file with CRLF line ends validates")
    func editedAppliedFile() async throws {
        try await CLIWorkspace.with { ws in
            try Self.threeMigrations(ws)
            try #require(try await ws.run(["up"]).exitCode == 0)
            let original = try ws.read("migrations/0002_b.sql")

            try ws.migration("0002_b.sql", up: "CREATE TABLE b (id bigint);", down: "DROP TABLE b;")
            let validate = try await ws.run(["validate"])
            #expect(validate.exitCode == 5, "\(validate)")
            #expect(validate.stderr.contains("0002_b.sql"), "\(validate)")
            try ws.migration("0004_d.sql", up: "CREATE TABLE d (id integer);", down: "DROP TABLE d;")
            let up = try await ws.run(["up"])
            #expect(up.exitCode == 5, "\(up)")
            #expect(up.stderr.contains("0002_b.sql"), "\(up)")
            #expect(!(try await ws.sqliteTableExists("d")), "0004 must not run while 0002 is changed")

            try ws.write("migrations/0002_b.sql", original.replacingOccurrences(of: "\n", with: "\r\n"))
            #expect(try ws.read("migrations/0002_b.sql").contains("\r\n"))
            let crlf = try await ws.run(["validate"])
            #expect(crlf.exitCode == 0, "CRLF is not a change: \(crlf)")
        }
    }
}
