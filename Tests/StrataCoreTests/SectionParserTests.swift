// SectionParser: sections, directives, statement line numbers, and errors with file and line.

import Testing
@testable import StrataCore

/// The problem `SectionParser.parse` reports for `text`, or a recorded failure when it parses.
private func problem(_ text: String, file: String = "0001_x.sql", wholeFile: SectionKind? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) -> SourceProblem? {
    do {
        let sections = try SectionParser.parse(text, file: file, wholeFile: wholeFile)
        Issue.record("expected a problem, parsed sections \(sections.keys.map(\.rawValue).sorted())", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

struct SectionParserTests {
    static let full = """
    -- strata:up
    CREATE TABLE a (id int);

    CREATE TABLE b (
      id int
    );
    -- strata:down
    DROP TABLE b;
    DROP TABLE a;
    -- strata:verify
    SELECT id FROM b LIMIT 0;
    """

    @Test func readsUpDownAndVerify() throws {
        let sections = try SectionParser.parse(Self.full, file: "0001_x.sql", wholeFile: nil)
        let up = try #require(sections[.up])
        let down = try #require(sections[.down])
        let verify = try #require(sections[.verify])
        #expect(up.text == "CREATE TABLE a (id int);\n\nCREATE TABLE b (\n  id int\n);")
        #expect(up.startLine == 2)
        #expect(up.statements.map(\.sql) == ["CREATE TABLE a (id int)", "CREATE TABLE b (\n  id int\n)"])
        #expect(up.statements.map(\.line) == [2, 4])
        #expect(down.text == "DROP TABLE b;\nDROP TABLE a;")
        #expect(down.startLine == 8)
        #expect(down.statements.map(\.line) == [8, 9])
        #expect(verify.statements.map(\.sql) == ["SELECT id FROM b LIMIT 0"])
        #expect(verify.statements.map(\.line) == [11])
        #expect(up.directives == SectionDirectives())
    }

    @Test func upAloneIsEnough() throws {
        let sections = try SectionParser.parse("-- strata:up\nSELECT 1;\n", file: "0001_x.sql", wholeFile: nil)
        #expect(Set(sections.keys) == [.up])
    }

    @Test("comments and blank lines may precede the first marker; markers are case-insensitive and may be indented", arguments: [
        "-- A header comment\n\n-- strata:up\nSELECT 1;",
        "--strata:up\nSELECT 1;",
        "  -- STRATA:UP\nSELECT 1;",
        "\t--  Strata:Up\nSELECT 1;",
    ])
    func markerForms(text: String) throws {
        let sections = try SectionParser.parse(text, file: "0001_x.sql", wholeFile: nil)
        let up = try #require(sections[.up])
        #expect(up.statements.map(\.sql) == ["SELECT 1"])
    }

    @Test("directives are parsed into SectionDirectives", arguments: [
        ("-- strata:no-transaction", SectionDirectives(noTransaction: true)),
        ("-- strata:timeout 30m", SectionDirectives(statementTimeout: .seconds(1800))),
        ("-- strata:lock-timeout 5s", SectionDirectives(lockTimeout: .seconds(5))),
        ("-- strata:timeout 1h30m", SectionDirectives(statementTimeout: .seconds(5400))),
        ("-- strata:lock-timeout 250ms", SectionDirectives(lockTimeout: .milliseconds(250))),
        ("-- STRATA:TIMEOUT 2M", SectionDirectives(statementTimeout: .seconds(120))),
        ("-- strata:no-transaction\n-- strata:timeout 30m\n-- strata:lock-timeout 5s",
         SectionDirectives(noTransaction: true, statementTimeout: .seconds(1800), lockTimeout: .seconds(5))),
        ("-- a note first\n-- strata:no-transaction", SectionDirectives(noTransaction: true)),
    ])
    func directives(lines: String, expected: SectionDirectives) throws {
        let text = "-- strata:up\n\(lines)\nCREATE INDEX CONCURRENTLY i ON t (c);\n-- strata:down\nDROP INDEX i;"
        let sections = try SectionParser.parse(text, file: "0001_x.sql", wholeFile: nil)
        let up = try #require(sections[.up])
        #expect(up.directives == expected)
        #expect(up.statements.map(\.sql) == ["CREATE INDEX CONCURRENTLY i ON t (c)"])
        // Directives belong to their own section only.
        #expect(sections[.down]?.directives == SectionDirectives())
    }

    @Test func directivesInTheDownSection() throws {
        let text = "-- strata:up\nSELECT 1;\n-- strata:down\n-- strata:no-transaction\n-- strata:lock-timeout 5s\nDROP INDEX CONCURRENTLY i;"
        let sections = try SectionParser.parse(text, file: "0001_x.sql", wholeFile: nil)
        #expect(sections[.up]?.directives == SectionDirectives())
        #expect(sections[.down]?.directives == SectionDirectives(noTransaction: true, lockTimeout: .seconds(5)))
        #expect(sections[.down]?.statements.map(\.line) == [6])
    }

    @Test("errors name the file and the line", arguments: [
        // (text, line, words)
        ("-- strata:up\n-- strata:frobnicate\nSELECT 1;", 2, ["unknown directive", "strata:frobnicate", "no-transaction"]),
        ("-- strata:up\nSELECT 1;\n-- strata:no-transaction", 3, ["strata:no-transaction", "after SQL"]),
        ("-- strata:up\nSELECT 1;\n\n-- strata:timeout 5m\nSELECT 2;", 4, ["strata:timeout", "after SQL"]),
        ("-- strata:timeout 5m\n-- strata:up\nSELECT 1;", 1, ["strata:timeout", "before any section"]),
        ("-- strata:up\nSELECT 1;\n-- strata:down\nSELECT 2;\n-- strata:up\nSELECT 3;", 5, ["second", "strata:up", "line 1"]),
        ("-- strata:up\nSELECT 1;\n-- strata:down\nSELECT 2;\n-- strata:down\n", 5, ["second", "strata:down", "line 3"]),
        ("SELECT 1;\n-- strata:up\nSELECT 2;", 1, ["SQL before the first section marker"]),
        ("-- comment\n\nCREATE TABLE t (id int);\n-- strata:up\n", 3, ["SQL before the first section marker"]),
        ("-- strata:up\n-- strata:timeout soon\nSELECT 1;", 2, ["strata:timeout", "duration", "soon"]),
        ("-- strata:up\n-- strata:timeout\nSELECT 1;", 2, ["strata:timeout", "duration"]),
        ("-- strata:up\n-- strata:lock-timeout 0s\nSELECT 1;", 2, ["strata:lock-timeout", "duration", "0s"]),
        ("-- strata:up\n-- strata:lock-timeout -5s\nSELECT 1;", 2, ["strata:lock-timeout", "-5s"]),
        ("-- strata:up\n-- strata:no-transaction please\nSELECT 1;", 2, ["no-transaction", "no argument", "please"]),
    ])
    func errors(text: String, line: Int, words: [String]) throws {
        let p = try #require(problem(text, file: "0007_broken.sql"))
        #expect(p.file == "0007_broken.sql")
        #expect(p.line == line)
        expectContains(p.message, words)
        #expect(p.description.hasPrefix("0007_broken.sql:\(line):"))
    }

    @Test("a file without an up section is refused", arguments: [
        "-- strata:down\nDROP TABLE t;",
        "-- only a comment\n",
        "",
    ])
    func missingUp(text: String) throws {
        let p = try #require(problem(text, file: "0003_no_up.sql"))
        #expect(p.file == "0003_no_up.sql")
        expectContains(p.message, ["strata:up"])
    }

    @Test("a marker inside a file that is itself a section is refused", arguments: [
        ("CREATE TABLE t (id int);\n-- strata:down\nDROP TABLE t;", SectionKind.up, 2, "strata:down"),
        ("DROP TABLE t;\n-- strata:up\nCREATE TABLE t (id int);", .down, 2, "strata:up"),
        ("-- strata:verify\nSELECT 1;\n-- strata:verify\nSELECT 2;", .verify, 3, "strata:verify"),
        ("SELECT 1;\n-- strata:up\nSELECT 2;", .up, 2, "strata:up"),
    ])
    func markerInPairFile(text: String, kind: SectionKind, line: Int, marker: String) throws {
        let p = try #require(problem(text, file: "0002_x.\(kind.rawValue).sql", wholeFile: kind))
        #expect(p.file == "0002_x.\(kind.rawValue).sql")
        #expect(p.line == line)
        expectContains(p.message, [marker, "itself the \(kind.rawValue) section"])
    }

    @Test func pairFileMayRepeatItsOwnMarkerAtTheTopAndUseDirectives() throws {
        let text = "-- strata:up\n-- strata:no-transaction\n-- strata:timeout 10m\nCREATE INDEX CONCURRENTLY i ON t (c);"
        let sections = try SectionParser.parse(text, file: "0002_x.up.sql", wholeFile: .up)
        let up = try #require(sections[.up])
        #expect(Set(sections.keys) == [.up])
        #expect(up.directives == SectionDirectives(noTransaction: true, statementTimeout: .seconds(600)))
        #expect(up.statements.map(\.line) == [4])
        #expect(up.startLine == 1)
    }

    @Test func wholeFileSectionStartsOnLineOne() throws {
        let sections = try SectionParser.parse("\nDROP TABLE a;\nDROP TABLE b;\n", file: "0002_x/down.sql", wholeFile: .down)
        let down = try #require(sections[.down])
        #expect(down.statements.map(\.line) == [2, 3])
        #expect(sections[.up] == nil)
    }

    @Test func splitterErrorsCarryTheFileLine() throws {
        let text = "-- strata:up\nSELECT 1;\n-- strata:down\nSELECT 2;\nSELECT 'never closed;\n"
        let p = try #require(problem(text, file: "0009_quote.sql"))
        #expect(p.file == "0009_quote.sql")
        #expect(p.line == 5)
        #expect(p.column == 8)
    }

    @Test func crlfFileParsesLikeTheLFFile() throws {
        let crlf = Self.full.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
        let lf = try SectionParser.parse(Self.full, file: "a.sql", wholeFile: nil)
        let fromCRLF = try SectionParser.parse(crlf, file: "a.sql", wholeFile: nil)
        for kind in SectionKind.allCases {
            #expect(fromCRLF[kind]?.text == lf[kind]?.text)
            #expect(fromCRLF[kind]?.statements == lf[kind]?.statements)
            #expect(fromCRLF[kind]?.startLine == lf[kind]?.startLine)
        }
        #expect(fromCRLF[.up]?.text.contains("\r") == false)
    }

    @Test func crLineEndingsAndCRLFErrorsKeepLineNumbers() throws {
        let cr = "-- strata:up\rSELECT 1;\r-- strata:down\rDROP TABLE t;"
        let sections = try SectionParser.parse(cr, file: "a.sql", wholeFile: nil)
        #expect(sections[.down]?.statements.map(\.line) == [4])

        let p = try #require(problem("-- strata:up\r\nSELECT 1;\r\n-- strata:bogus\r\n", file: "a.sql"))
        #expect(p.line == 3)
        expectContains(p.message, ["strata:bogus"])
    }

    @Test func ordinaryCommentsMentioningStrataAreSQL() throws {
        // Only `-- strata:` starts a directive; other comments are kept as SQL comments.
        let text = "-- strata:up\n-- strata is our migration tool\nSELECT 1; -- strata:down is not a marker here\n"
        let sections = try SectionParser.parse(text, file: "a.sql", wholeFile: nil)
        #expect(Set(sections.keys) == [.up])
        #expect(sections[.up]?.statements.count == 1)
    }
}
