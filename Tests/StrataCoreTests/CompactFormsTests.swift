// The compact in-memory forms that keep a run over 10,000 migrations small: a script read from a file keeps its
// text and splits it again when asked; checksums are held as 32 bytes; a history row is one box. Each must behave
// exactly like the plain value it replaces.

import Foundation
import Testing
@testable import StrataCore

struct CompactFormsTests {
    static let file = """
        -- strata:up
        -- a comment before the first statement
        CREATE TABLE a (id int, note text DEFAULT 'x;y');

        CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
        INSERT INTO a VALUES (1, 'one');
        -- strata:down
        DROP FUNCTION f();
        DROP TABLE a;

        """

    @Test func aScriptReadFromAFileSplitsToTheStatementsTheParserFound() async throws {
        let dir = try TempDir("compact")
        defer { dir.remove() }
        try dir.write("0001_a.sql", Self.file)
        let m = try #require(try await DirectorySource(directory: dir.url).migrations().first)
        let sections = try SectionParser.parse(Self.file, file: "0001_a.sql", wholeFile: nil)
        let up = try #require(sections.up), down = try #require(sections.down)
        let expectedUp = try StatementSplitter.split(up.text, startLine: up.startLine)
        #expect(m.up.statements == expectedUp)
        #expect(m.up.statements.map(\.line) == [3, 5, 6])
        #expect(m.up.statements[0].sql == "CREATE TABLE a (id int, note text DEFAULT 'x;y')")
        #expect(m.up.statementCount == 3)
        #expect(m.down?.statements.map(\.sql) == ["DROP FUNCTION f()", "DROP TABLE a"])
        #expect(m.down?.statements.map(\.line) == [8, 9])
        #expect(m.down?.statementCount == down.statementCount)
        #expect(up.statements == expectedUp)
        #expect(up.statementCount == 3)
        // Asking twice gives the same answer.
        #expect(m.up.statements == m.up.statements)
    }

    @Test func aScriptReadFromAFileEqualsTheSameScriptWithListedStatements() async throws {
        let dir = try TempDir("compact")
        defer { dir.remove() }
        try dir.write("0001_a.sql", Self.file)
        let m = try #require(try await DirectorySource(directory: dir.url).migrations().first)
        let listed = MigrationScript(file: m.up.file, text: m.up.text, statements: m.up.statements, directives: m.up.directives)
        #expect(listed == m.up)
        #expect(m.up == listed)
        #expect(listed.hashValue == m.up.hashValue)
        var other = listed
        other.statements = Array(listed.statements.dropLast())
        #expect(other != m.up)
        #expect(m.up != other)
    }

    @Test func changingTheTextKeepsTheStatementsChangingTheStatementsKeepsTheText() async throws {
        let dir = try TempDir("compact")
        defer { dir.remove() }
        try dir.write("0001_a.sql", Self.file)
        let m = try #require(try await DirectorySource(directory: dir.url).migrations().first)
        let before = m.up.statements
        var script = m.up
        script.text = "SELECT 42;"
        #expect(script.text == "SELECT 42;")
        #expect(script.statements == before)
        #expect(script.statementCount == 3)
        #expect(m.up.text != script.text)  // the original is untouched

        var replaced = m.up
        replaced.statements = [SQLStatement(sql: "SELECT 1", line: 1, column: 1)]
        #expect(replaced.text == m.up.text)
        #expect(replaced.statementCount == 1)
        #expect(replaced.statements.map(\.sql) == ["SELECT 1"])
    }

    @Test func aNonTransactionalStatementIsKnownWithoutSplittingAndMovesTheSectionOutOfATransaction() async throws {
        let dir = try TempDir("compact")
        defer { dir.remove() }
        try dir.write("0001_idx.sql", "-- strata:up\nCREATE INDEX CONCURRENTLY i ON t (c);\n-- strata:down\nDROP INDEX i;\n")
        try dir.write("0002_plain.sql", "-- strata:up\nCREATE TABLE t2 (id int);\n")
        let plain = try await DirectorySource(directory: dir.url).migrations()
        #expect(plain.map(\.up.holdsNonTransactionalStatement) == [true, false])
        #expect(plain[0].down?.holdsNonTransactionalStatement == false)
        let read = try await LayoutSource(directory: dir.url, requested: .strata, variables: [:]).migrations()
        #expect(read.map(\.up.directives.noTransaction) == [true, false])
        let listed = MigrationScript(file: "x.sql", text: "", statements: [SQLStatement(sql: "VACUUM", line: 1, column: 1)])
        #expect(listed.holdsNonTransactionalStatement)
    }

    @Test func aScriptMentionsWhatItRuns() async throws {
        // Another tool's placeholders are filled in the statements, not the text: the statements decide.
        let filled = MigrationScript(file: "V1__a.sql", text: "SET ${timeout};",
                                     statements: [SQLStatement(sql: "SET statement_timeout = '5s'", line: 1, column: 1)])
        #expect(filled.mentions(word: "statement_timeout"))
        #expect(!filled.mentions(word: "lock_timeout"))
        let dir = try TempDir("compact")
        defer { dir.remove() }
        try dir.write("0001_a.sql", "-- strata:up\n-- sets Statement_Timeout below\nSELECT 1;\n")
        try dir.write("0002_b.sql", "-- strata:up\nSELECT my_statement_timeout_column FROM t;\n")
        let read = try await DirectorySource(directory: dir.url).migrations()
        #expect(read[0].up.mentions(word: "statement_timeout"))   // from the text: a comment counts (cautious)
        #expect(!read[1].up.mentions(word: "statement_timeout"))  // a longer word does not
    }

    @Test func emptySectionsAreEqualWhereverTheyStart() async throws {
        let dir = try TempDir("compact")
        defer { dir.remove() }
        try dir.write("0001_a.sql", "-- strata:up\nSELECT 1;\n-- strata:down\n-- nothing to undo\n")
        try dir.write("0002_a.sql", "-- a note\n-- strata:up\nSELECT 1;\n-- strata:down\n-- nothing to undo\n")
        let read = try await DirectorySource(directory: dir.url).migrations()
        var first = try #require(read[0].down), second = try #require(read[1].down)
        first.file = "x.sql"
        second.file = "x.sql"
        #expect(first.text == second.text && first.statementCount == 0 && second.statementCount == 0)
        #expect(first == second)   // no statements: nothing whose line could differ
        var up1 = read[0].up, up2 = read[1].up
        up1.file = "x.sql"
        up2.file = "x.sql"
        #expect(up1.text == up2.text)
        #expect(up1 != up2)        // the same statement on another line
        #expect(up1.statements.map(\.line) == [2] && up2.statements.map(\.line) == [3])
    }

    @Test func directivesAndFilesReadBackAsSet() async throws {
        var script = MigrationScript(file: "1_a.sql", text: "SELECT 1;", statements: [])
        #expect(script.directives == SectionDirectives())
        script.directives.noTransaction = true
        script.directives.lockTimeout = .seconds(5)
        #expect(script.directives == SectionDirectives(noTransaction: true, lockTimeout: .seconds(5)))
        script.directives = SectionDirectives()
        #expect(script.directives == SectionDirectives())
        let timed = MigrationScript(file: "1_a.sql", text: "", statements: [], directives: SectionDirectives(statementTimeout: .seconds(30)))
        #expect(timed.directives.statementTimeout == .seconds(30))
        #expect(timed != MigrationScript(file: "1_a.sql", text: "", statements: []))

        let version = try #require(MigrationVersion("1"))
        let up = MigrationScript(file: "1_a.sql", text: "SELECT 1;", statements: [])
        var one = Migration(version: version, name: "a", up: up, down: nil, verify: nil, files: ["1_a.sql"])
        #expect(one.files == ["1_a.sql"])
        let none = Migration(version: version, name: "a", up: up, down: nil, verify: nil, files: [])
        #expect(none.files == [])
        #expect(none != one)
        let pair = Migration(version: version, name: "a", up: up, down: nil, verify: nil, files: ["1_a.down.sql", "1_a.sql"])
        #expect(pair.files == ["1_a.down.sql", "1_a.sql"])
        one.up = MigrationScript(file: "B1_a.sql", text: "SELECT 2;", statements: [])
        #expect(one.files == ["1_a.sql"])   // replacing the up section does not change where the migration was read from
        one.files = ["B1_a.sql"]
        #expect(one.files == ["B1_a.sql"])

        let dir = try TempDir("compact")
        defer { dir.remove() }
        try dir.write("0001_a.sql", "-- strata:up\n-- strata:no-transaction\n-- strata:timeout 1m\nSELECT 1;\n-- strata:down\nSELECT 2;\n")
        try dir.write("0002_b.up.sql", "SELECT 3;\n")
        try dir.write("0002_b.down.sql", "SELECT 4;\n")
        let read = try await DirectorySource(directory: dir.url).migrations()
        #expect(read[0].up.directives == SectionDirectives(noTransaction: true, statementTimeout: .seconds(60)))
        #expect(read[0].down?.directives == SectionDirectives())
        #expect(read.map(\.files) == [["0001_a.sql"], ["0002_b.down.sql", "0002_b.up.sql"]])
    }

    @Test("a checksum value keeps the text it was made from", arguments: [
        Checksum.of("abc"),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",   // upper case: kept as text
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",    // 63 digits
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",   // not hex
        "",
        "goose:3",
        "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé",   // 64 characters, not 64 bytes
    ])
    func checksumValueRoundTrip(text: String) {
        let value = Checksum.Value(text)
        #expect(value.text == text)
        #expect(Checksum.Value(value.text) == value)
    }

    @Test func checksumValuesCompareLikeTheirTexts() {
        let a = Checksum.of("SELECT 1;"), b = Checksum.of("SELECT 2;")
        #expect(Checksum.Value(a) == Checksum.Value(a))
        #expect(Checksum.Value(a) != Checksum.Value(b))
        #expect(Checksum.Value(a) != Checksum.Value(a.uppercased()))
        if case .sha256 = Checksum.Value(a) {} else { Issue.record("a SHA-256 hex string is held as its digest") }
        for text in ["", "SELECT 1;", "a\r\nb", "é"] {
            #expect(Checksum.value(of: text) == Checksum.Value(Checksum.of(text)))
            #expect(Checksum.value(of: text).text == Checksum.of(text))
        }
    }

    @Test func aMigrationAndAHistoryRowShowTheChecksumAsText() throws {
        let version = try #require(MigrationVersion("1"))
        let m = Migration(version: version, name: "a", up: MigrationScript(file: "1_a.sql", text: "SELECT 1;", statements: []),
                          down: nil, verify: nil, files: ["1_a.sql"])
        #expect(m.checksum == Checksum.of("SELECT 1;"))
        var changed = m
        changed.checksum = "goose:1"
        #expect(changed.checksum == "goose:1")
        #expect(m.checksum == Checksum.of("SELECT 1;"))
        let row = appliedRow(version, checksum: m.checksum)
        #expect(row.checksum == m.checksum)
        #expect(row.checksumValue == m.checksumValue)
    }

    @Test func aHistoryRowIsAValue() throws {
        let original = appliedRow(try #require(MigrationVersion("7")), checksum: Checksum.of("x"))
        var copy = original
        copy.state = .dirty
        copy.failedStatement = 2
        copy.failedDirection = .down
        copy.durationMs = 99
        copy.name = "renamed"
        copy.checksum = "other"
        #expect(original.state == .applied && original.failedStatement == nil && original.failedDirection == nil)
        #expect(original.durationMs == 5 && original.name == "row" && original.checksum == Checksum.of("x"))
        #expect(copy.state == .dirty && copy.failedStatement == 2 && copy.failedDirection == .down)
        #expect(copy.durationMs == 99 && copy.name == "renamed" && copy.checksum == "other")
        #expect(copy != original)
        var back = copy
        back.state = .applied
        back.failedStatement = nil
        back.failedDirection = nil
        back.durationMs = 5
        back.name = "row"
        back.checksum = Checksum.of("x")
        #expect(back == original)
        #expect(back.hashValue == original.hashValue)
    }

    @Test func aHistoryRowEncodesWithTheSameKeysAsBefore() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        let row = appliedRow(try #require(MigrationVersion("3")), checksum: Checksum.of("x"))
        let json = try #require(String(data: try encoder.encode(row), encoding: .utf8))
        #expect(json == """
            {"appliedAt":1000,"appliedBy":"u","checksum":"\(Checksum.of("x"))","durationMs":5,"host":"h","name":"row",\
            "state":"applied","strataVersion":"t","version":\(try versionJSON(row.version))}
            """)
        var dirty = row
        dirty.state = .dirty
        dirty.failedStatement = 2
        dirty.failedDirection = .up
        let data = try encoder.encode(dirty)
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.contains("\"failedDirection\":\"up\"") && text.contains("\"failedStatement\":2"))
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        #expect(try decoder.decode(AppliedMigration.self, from: data) == dirty)
        #expect(try decoder.decode(AppliedMigration.self, from: try encoder.encode(row)) == row)
    }

    private func versionJSON(_ version: MigrationVersion) throws -> String {
        try #require(String(data: try JSONEncoder().encode(version), encoding: .utf8))
    }

    private func appliedRow(_ version: MigrationVersion, checksum: String) -> AppliedMigration {
        AppliedMigration(version: version, name: "row", checksum: checksum, appliedAt: Date(timeIntervalSince1970: 1000), durationMs: 5,
                         appliedBy: "u", host: "h", strataVersion: "t")
    }
}
