import Foundation
import Testing
@testable import StrataCore

@Suite("goose reader")
struct GooseSourceTests {
    @Test("the fixture: versions ordered as int64 (padded, unpadded, timestamps mixed), annotations, transactions, ENVSUB")
    func fixture() throws {
        let reading = try GooseSource(directory: FormatFixtures.url("goose"), variables: ["GOOSE_FIXTURE_OWNER": "team data"]).read()
        let m = reading.migrations
        #expect(m.map(\.version.digits) == ["00001", "2", "00003", "20260101120000", "20260102090000"])
        #expect(m.map { $0.origin?.key } == ["1", "2", "3", "20260101120000", "20260102090000"])
        #expect(m.allSatisfy { $0.origin?.format == .goose })
        #expect(reading.warnings.count == 1 && reading.warnings[0].hasPrefix("seed_notes.sql"))

        // Simple statements end at a line ending in `;` (a trailing comment after it is fine), lines kept.
        #expect(m[0].up.statements.map(\.line) == [3, 7])
        #expect(m[0].up.statements[1].sql.hasPrefix("CREATE TABLE books"))
        #expect(m[0].down?.statements.map(\.sql) == ["DROP TABLE books", "DROP TABLE authors"])
        #expect(m[0].up.directives.noTransaction == false)

        // StatementBegin/End keeps a PL/pgSQL body whole; annotation words in any case.
        let fn = m[1].up.statements
        #expect(fn.count == 2)
        #expect(fn[0].sql.hasPrefix("CREATE FUNCTION touch_title()") && fn[0].sql.hasSuffix("$$ LANGUAGE plpgsql") && fn[0].line == 4)
        #expect(m[1].down?.statements.map(\.sql) == ["DROP TRIGGER books_touch ON books", "DROP FUNCTION touch_title()"])

        // NO TRANSACTION (above `+goose Up`) applies to both directions.
        #expect(m[2].up.directives.noTransaction && m[2].down?.directives.noTransaction == true)

        // ENVSUB ON … OFF: substituted between them only.
        let envsub = m[3].up.statements.map(\.sql)
        #expect(envsub[0] == "COMMENT ON TABLE authors IS 'owned by team data'")
        #expect(envsub[1].contains("'${not_expanded}'"))

        // CREATE INDEX CONCURRENTLY without the annotation still leaves the transaction.
        #expect(m[4].up.directives.noTransaction)
        #expect(m[4].down?.directives.noTransaction == false)
    }

    @Test("the checksum is of the up section's text, so editing the down section is not drift")
    func checksum() throws {
        let dir = try TempDir("goose")
        defer { dir.remove() }
        try dir.write("1_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
        let first = try GooseSource(directory: dir.url).read().migrations[0]
        #expect(first.checksum == Checksum.of("CREATE TABLE a (id int);"))
        try dir.write("1_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE IF EXISTS a;\n")
        #expect(try GooseSource(directory: dir.url).read().migrations[0].checksum == first.checksum)
    }

    @Test("ENVSUB follows goose's interpolation: defaults, unset, escapes, required")
    func envsub() throws {
        let vars = ["A": "x", "EMPTY": ""]
        #expect(try GooseEnvsub.expand("$A ${A} ${B:-d} ${EMPTY:-e} ${EMPTY-f} ${B-g} $$ \\$ $(x)", variables: vars) == "x x d e  g $ $ $(x)")
        #expect(try GooseEnvsub.expand("${A:0:1}${LONG:1}", variables: ["A": "xyz", "LONG": "abc"]) == "xbc")
        #expect(throws: GooseEnvsub.Failure.self) { try GooseEnvsub.expand("${MISSING:?set it}", variables: [:]) }
        #expect(throws: GooseEnvsub.Failure.self) { try GooseEnvsub.expand("SELECT $1", variables: [:]) }
    }

    @Test("malformed files are named, with the line, and nothing is returned", arguments: [
        ("CREATE TABLE t (id int);\n", "must start with `-- +goose Up`", 1 as Int?),
        ("-- just a comment\n", "must start with `-- +goose Up`", nil),
        ("-- +goose Down\nDROP TABLE t;\n", "before `-- +goose Up`", 1),
        ("-- +goose Up\n-- +goose Up\n", "second `-- +goose Up`", 2),
        ("-- +goose Up\nCREATE TABLE t (id int)\n-- +goose Down\n", "unfinished SQL statement", 2),
        ("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", "missing `-- +goose StatementEnd`", 3),
        ("-- +goose Up\n-- +goose StatementEnd\n", "without a `-- +goose StatementBegin`", 2),
        ("-- +goose Up\n-- +goose Sideways\n", "unknown goose annotation `Sideways`", 2),
        ("-- +goose Up\n  -- +goose Down\n", "leading whitespace", 2),
    ])
    func malformed(text: String, message: String, line: Int?) throws {
        let dir = try TempDir("goose")
        defer { dir.remove() }
        try dir.write("00001_ok.sql", "-- +goose Up\nSELECT 1;\n")
        try dir.write("00002_bad.sql", text)
        let problems = FormatFixtures.problems { _ = try GooseSource(directory: dir.url).read() }
        #expect(problems.count == 1)
        #expect(problems.first?.file == "00002_bad.sql" && problems.first?.message.contains(message) == true && problems.first?.line == line, "\(problems)")
    }

    @Test("the `+goose` prefix is case-sensitive, as in goose: `-- +GOOSE Down` is a comment")
    func prefixCase() throws {
        let parsed = try GooseParser.parse("-- +goose Up\nSELECT 1;\n-- +GOOSE Down\nSELECT 2;\n", file: "1_x.sql", variables: [:])
        #expect(parsed.up.map(\.sql) == ["SELECT 1", "SELECT 2"])
        #expect(!parsed.hasDown)
    }

    @Test("duplicate versions (00001 and 1) and Go migrations are errors naming the files")
    func duplicatesAndGo() throws {
        let dir = try TempDir("goose")
        defer { dir.remove() }
        try dir.write("00001_a.sql", "-- +goose Up\nSELECT 1;\n")
        try dir.write("1_b.sql", "-- +goose Up\nSELECT 1;\n")
        try dir.write("00002_code.go", "package migrations\n")
        try dir.write("0_zero.sql", "-- +goose Up\nSELECT 1;\n")
        let problems = FormatFixtures.problems { _ = try GooseSource(directory: dir.url).read() }
        #expect(problems.map(\.file) == ["00002_code.go", "1_b.sql"], "\(problems)")
        #expect(problems[1].message.contains("duplicate goose version 1: also used by 00001_a.sql"))
    }
}
