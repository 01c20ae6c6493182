import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// The bad-input catalogue, part 1: migration files that are malformed, carry bad directives, cannot be split,
/// are not UTF-8, are empty, huge, symbolic links or unreadable. Each: exit 5 (validation), a message naming
/// the file (and line:column where there is one), and the SQLite database byte-identical.
@Suite("Bad input catalogue: migration files")
struct BadInputFileCatalogueTests {
    static let malformed: [BadInputCase] = [
        .migration("SQL before the first section marker", "0002_b.sql", "CREATE TABLE b (id integer);\n-- strata:up\n",
                   ["0002_b.sql:1:1", "before the first section marker"]),
        .migration("a file without an up section", "0002_b.sql", "-- strata:down\nDROP TABLE b;\n", ["0002_b.sql", "no `-- strata:up` section"]),
        .migration("a second up section", "0002_b.sql", "-- strata:up\nSELECT 1;\n-- strata:down\nSELECT 2;\n-- strata:up\nSELECT 3;\n",
                   ["0002_b.sql:5:1", "second `-- strata:up` section (the first is on line 1)"]),
        .migration("a section marker inside a whole .up.sql file", "0002_b.up.sql", "CREATE TABLE b (id integer);\n-- strata:down\nDROP TABLE b;\n",
                   ["0002_b.up.sql:2:1", "itself the up section"]),
        .migration("a .sql file without a version", "add_users.sql", "-- strata:up\nSELECT 1;\n", ["add_users.sql", "without a leading version"]),
        .migration("a name that is almost a migration", "0002_b.sqll", "-- strata:up\nSELECT 1;\n", ["0002_b.sqll", "looks like a migration"]),
        .migration("a .down.sql without its .up.sql", "0002_b.down.sql", "DROP TABLE b;\n", ["0002_b.down.sql", "no up section", ".up.sql"]),
        .migration("a migration folder without up.sql", "0002_b/down.sql", "DROP TABLE b;\n", ["0002_b", "no up section", "up.sql"]),
        BadInputCase("an unexpected file in a migration folder",
                     files: ["migrations/0002_b/up.sql": "SELECT 1;\n", "migrations/0002_b/upp.sql": "SELECT 2;\n"],
                     exit: 5, ["0002_b/upp.sql", "unexpected file in a migration folder"]),
        BadInputCase("one version in two layouts", files: ["migrations/0002_b.sql": "-- strata:up\nSELECT 1;\n", "migrations/0002_b/up.sql": "SELECT 2;\n"],
                     exit: 5, ["duplicate version 0002", "0002_b"]),
    ]

    static let directives: [BadInputCase] = [
        .migration("an unknown directive", "0002_b.sql", "-- strata:up\n-- strata:no-transactoin\nSELECT 1;\n",
                   ["0002_b.sql:2:1", "unknown directive `-- strata:no-transactoin`", "no-transaction"]),
        .migration("a directive after SQL", "0002_b.sql", "-- strata:up\nSELECT 1;\n-- strata:timeout 5s\nSELECT 2;\n",
                   ["0002_b.sql:3:1", "after SQL"]),
        .migration("a directive before any section", "0002_b.sql", "-- strata:no-transaction\n-- strata:up\nSELECT 1;\n",
                   ["0002_b.sql:1:1", "before any section"]),
        .migration("a timeout that is not a duration", "0002_b.sql", "-- strata:up\n-- strata:timeout forever\nSELECT 1;\n",
                   ["0002_b.sql:2:1", "`-- strata:timeout` needs a duration", "`forever`"]),
        .migration("a zero timeout", "0002_b.sql", "-- strata:up\n-- strata:timeout 0s\nSELECT 1;\n", ["0002_b.sql:2:1", "`0s`"]),
        .migration("a lock timeout beyond what the database allows", "0002_b.sql", "-- strata:up\n-- strata:lock-timeout 999999h\nSELECT 1;\n",
                   ["0002_b.sql:2:1", "`-- strata:lock-timeout`", "`999999h`"]),
        .migration("no-transaction with an argument", "0002_b.sql", "-- strata:up\n-- strata:no-transaction please\nSELECT 1;\n",
                   ["0002_b.sql:2:1", "takes no argument", "please"]),
        .migration("BEGIN in a section that runs in a transaction", "0002_b.sql", "-- strata:up\nBEGIN;\nCREATE TABLE b (id integer);\nCOMMIT;\n",
                   ["0002_b.sql:2:1", "`BEGIN`", "-- strata:no-transaction"]),
    ]

    static let unsplittable: [BadInputCase] = [
        .migration("an unterminated string literal", "0002_b.sql", "-- strata:up\nINSERT INTO a VALUES ('it''s);\n",
                   ["0002_b.sql:2:23", "string literal opened here is never closed"]),
        .migration("an unterminated E'' string (escaped quote)", "0002_b.sql", "-- strata:up\nSELECT E'it\\'s;\n",
                   ["0002_b.sql:2:8", "E'...'"]),
        .migration("an unterminated quoted identifier", "0002_b.sql", "-- strata:up\nCREATE TABLE \"b (id integer);\n",
                   ["0002_b.sql:2:14", "quoted identifier"]),
        .migration("a nested block comment left open", "0002_b.sql", "-- strata:up\n/* outer /* inner */ still open\nSELECT 1;\n",
                   ["0002_b.sql:2:1", "block comment"]),
        .migration("mismatched dollar-quote tags", "0002_b.sql", "-- strata:up\nCREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1 $$ LANGUAGE sql;\n",
                   ["0002_b.sql:2:36", "$fn$"]),
        .migration("a BEGIN ATOMIC body without END", "0002_b.sql", "-- strata:up\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;\n",
                   ["0002_b.sql:2:46", "BEGIN ATOMIC"]),
        .migration("an error in the down section", "0002_b.sql", "-- strata:up\nCREATE TABLE b (id integer);\n-- strata:down\nDROP TABLE 'b;\n",
                   ["0002_b.sql:4:12", "string literal"]),
    ]

    static let encodings: [BadInputCase] = [
        BadInputCase("invalid UTF-8", bytes: ["migrations/0002_b.sql": Array("-- strata:up\nSELECT 'caf".utf8) + [0xC3, 0x28] + Array("';\n".utf8)],
                     exit: 5, ["0002_b.sql", "not valid UTF-8"]),
        BadInputCase("Latin-1 text", bytes: ["migrations/0002_b.sql": Array("-- strata:up\nSELECT 'caf".utf8) + [0xE9] + Array("';\n".utf8)],
                     exit: 5, ["0002_b.sql", "not valid UTF-8"]),
        BadInputCase("UTF-16 little-endian with a byte-order mark", bytes: ["migrations/0002_b.sql": utf16("-- strata:up\nSELECT 1;\n", bigEndian: false)],
                     exit: 5, ["0002_b.sql", "UTF-16", "UTF-8"]),
        BadInputCase("UTF-16 big-endian with a byte-order mark", bytes: ["migrations/0002_b.up.sql": utf16("SELECT 1;\n", bigEndian: true)],
                     exit: 5, ["0002_b.up.sql", "UTF-16"]),
        BadInputCase("a NUL byte", bytes: ["migrations/0002_b.sql": Array("-- strata:up\nSELECT 1;\n".utf8) + [0, 0, 0]],
                     exit: 5, ["0002_b.sql", "NUL byte"]),
    ]

    static let emptyAndLinks: [BadInputCase] = [
        .migration("an empty file", "0002_b.sql", "", ["0002_b.sql", "no `-- strata:up` section"]),
        .migration("a file of blank lines and comments", "0002_b.sql", "\n  \n-- todo\n\t\n", ["0002_b.sql", "no `-- strata:up` section"]),
        BadInputCase("a dangling symbolic link", links: ["migrations/0002_b.sql": "/nonexistent/0002_b.sql"], exit: 5, ["0002_b.sql", "broken symbolic link"]),
        BadInputCase("a symbolic link loop", links: ["migrations/0002_b.sql": "0003_c.sql", "migrations/0003_c.sql": "0002_b.sql"],
                     exit: 5, ["0002_b.sql", "0003_c.sql", "symbolic link"]),
        BadInputCase("a migrations directory that does not exist", arguments: ["up", "--dir", "nowhere"], exit: 5,
                     ["nowhere", "migrations directory does not exist"]),
        BadInputCase("a migrations directory that is a file", files: ["notadir": "x"], arguments: ["up", "--dir", "notadir"], exit: 5,
                     ["notadir", "is not a directory"]),
    ]

    static func utf16(_ text: String, bigEndian: Bool) -> [UInt8] {
        (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) + text.utf16.flatMap { u in
            bigEndian ? [UInt8(u >> 8), UInt8(u & 0xFF)] : [UInt8(u & 0xFF), UInt8(u >> 8)]
        }
    }

    @Test("malformed files: exit 5, file named, nothing changed", arguments: malformed)
    func malformedFile(_ c: BadInputCase) async throws { try await c.check() }

    @Test("bad directives: exit 5, file:line named, nothing changed", arguments: directives)
    func badDirective(_ c: BadInputCase) async throws { try await c.check() }

    @Test("SQL that cannot be split: exit 5, file:line:column named, nothing changed", arguments: unsplittable)
    func unsplittableSQL(_ c: BadInputCase) async throws { try await c.check() }

    @Test("files that are not UTF-8: exit 5, file named, nothing changed", arguments: encodings)
    func badEncoding(_ c: BadInputCase) async throws { try await c.check() }

    @Test("empty files, broken links, missing directories: exit 5, named, nothing changed", arguments: emptyAndLinks)
    func emptyOrMissing(_ c: BadInputCase) async throws { try await c.check() }

    @Test("an unreadable file (chmod 000): exit 5, named, nothing changed",
          .enabled(if: !BadInputHost.isRoot, "running as root: chmod 000 does not stop root from reading the file"))
    func unreadableFile() async throws {
        try await CLIWorkspace.with { ws in
            try ws.migration("0001_a.sql", up: "CREATE TABLE a (id integer);")
            try ws.migration("0002_b.sql", up: "CREATE TABLE b (id integer);")
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: ws.path("migrations/0002_b.sql"))
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: ws.path("migrations/0002_b.sql")) }
            let r = try await ws.run(["up"])
            #expect(r.exitCode == 5, "\(r)")
            #expect(r.stderr.contains("0002_b.sql") && r.stderr.contains("permission denied"), "\(r)")
            #expect(try ws.databaseBytes() == nil, "nothing applied, not even 0001")
        }
    }
}

/// Input that looks odd but is right: accepted, with a clear outcome.
@Suite("Bad input catalogue: odd but valid files")
struct BadInputOddButValidTests {
    @Test("a UTF-8 byte-order mark is accepted: applied, same checksum as without it")
    func utf8BOM() async throws {
        try await CLIWorkspace.with { ws in
            try ws.writeBytes("migrations/0001_a.sql", [0xEF, 0xBB, 0xBF] + Array("-- strata:up\nCREATE TABLE a (id integer);\n".utf8))
            let r = try await ws.run(["up"])
            #expect(r.exitCode == 0, "\(r)")
            #expect(try await ws.sqliteTableExists("a"))
            try ws.write("migrations/0001_a.sql", "-- strata:up\nCREATE TABLE a (id integer);\n")
            let validate = try await ws.run(["validate"])
            #expect(validate.exitCode == 0, "removing the BOM is not a change: \(validate)")
        }
    }

    @Test("a symlinked migration file is read through the link and applied")
    func symlinkedFile() async throws {
        try await CLIWorkspace.with { ws in
            try ws.write("shared/create_a.sql", "-- strata:up\nCREATE TABLE a (id integer);\n-- strata:down\nDROP TABLE a;\n")
            try ws.symlink("migrations/0001_a.sql", to: ws.path("shared/create_a.sql"))
            let r = try await ws.run(["up"])
            #expect(r.exitCode == 0, "\(r)")
            #expect(try await ws.sqliteTableExists("a"))
            #expect(try await ws.status().migrations.map(\.state) == ["applied"])
        }
    }

    @Test("an empty .up.sql is an empty migration: applied and recorded, nothing else")
    func emptyUpFile() async throws {
        try await CLIWorkspace.with { ws in
            try ws.write("migrations/0001_nothing.up.sql", "")
            let r = try await ws.run(["up"])
            #expect(r.exitCode == 0, "\(r)")
            #expect(try await ws.sqliteAppliedVersions() == ["0001"])
        }
    }
}

/// Huge files: no crash, a clear outcome, in reasonable time.
@Suite("Bad input catalogue: huge files")
struct BadInputHugeFileTests {
    /// `lines` lines of about 100 bytes, each a `SELECT n, '<padding>';` statement.
    static func hugeBody(lines: Int) -> String {
        let padding = String(repeating: "x", count: 80)
        var s = ""
        s.reserveCapacity(lines * 100)
        for i in 0..<lines { s += "SELECT \(i), '\(padding)';\n" }
        return s
    }

    @Test("a 50 MB migration with an unterminated string on its last line: exit 5 naming that line, nothing changed")
    func hugeUnterminated() async throws {
        try await CLIWorkspace.with { ws in
            let lines = 520_000
            try ws.write("migrations/0001_huge.sql", "-- strata:up\n" + Self.hugeBody(lines: lines) + "SELECT 'never closed;\n")
            let size = try #require(try FileManager.default.attributesOfItem(atPath: ws.path("migrations/0001_huge.sql"))[.size] as? Int)
            #expect(size > 50_000_000)
            let r = try await ws.run(["up"], limit: .seconds(180))
            #expect(r.exitCode == 5, "\(r)")
            #expect(r.stderr.contains("0001_huge.sql:\(lines + 2):8"), "\(r)")
            #expect(try ws.databaseBytes() == nil)
        }
    }

    @Test("a 50 MB single-statement migration (one large literal) is applied")
    func hugeLiteral() async throws {
        try await CLIWorkspace.with { ws in
            let size = 50_000_000
            try ws.write("migrations/0001_big.sql", "-- strata:up\nCREATE TABLE big (v text);\nINSERT INTO big VALUES ('" + String(repeating: "x", count: size) + "');\n")
            let r = try await ws.run(["up"], limit: .seconds(180))
            #expect(r.exitCode == 0, "\(r)")
            let length = try await ws.withSQLite { try await $0.query("SELECT length(v) FROM big").first?[0] }
            #expect(length == String(size))
        }
    }
}
