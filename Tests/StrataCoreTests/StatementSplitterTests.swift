// Tests for StatementSplitter.
//
// Golden files: every `Golden/splitter/NAME.sql` is split and the result is compared with
// `Golden/splitter/NAME.expected`. Adding a case is adding those two files. The expected format is,
// for each statement,
//
//     -- statement N (line L, column C)
//     <the statement's sql>
//     -- end
//
// or, for input that must fail, the single line `-- error <kind> line L column C`.
//
// To (re)generate the expected files after an intended change, run
//
//     STRATA_UPDATE_GOLDEN=1 swift test --filter StatementSplitterTests
//
// With STRATA_UPDATE_GOLDEN=1 the golden test reads the .sql files from the SOURCE tree (found via
// #filePath), writes the actual output to the .expected files there instead of comparing, and
// passes. Review the diff before committing. Without it, the files are read from the test
// bundle's copy of `Golden/` (`Bundle.module`).

import Foundation
import Testing
@testable import StrataCore

/// Renders a split result (or its error) in the golden-file format.
private func renderSplit(_ text: String) -> String {
    do {
        let statements = try StatementSplitter.split(text)
        var out = ""
        for (index, statement) in statements.enumerated() {
            out += "-- statement \(index + 1) (line \(statement.line), column \(statement.column))\n"
            out += statement.sql + "\n"
            out += "-- end\n"
        }
        return out
    } catch {
        return "-- error \(error.kind.rawValue) line \(error.line) column \(error.column)\n"
    }
}

private enum SplitterGolden {
    static var updating: Bool { ProcessInfo.processInfo.environment["STRATA_UPDATE_GOLDEN"] == "1" }

    /// `Golden/splitter` in the source tree.
    static func sourceDirectory(filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent()
            .appendingPathComponent("Golden", isDirectory: true)
            .appendingPathComponent("splitter", isDirectory: true)
    }

    /// `Golden/splitter` in the test bundle's copied resources.
    static func bundleDirectory() -> URL? {
        Bundle.module.url(forResource: "Golden", withExtension: nil)?
            .appendingPathComponent("splitter", isDirectory: true)
    }

    /// The folder the golden test reads: the source tree when updating, otherwise the bundle.
    static func directory() -> URL? {
        updating ? sourceDirectory() : bundleDirectory()
    }

    /// The names (without `.sql`) of all golden cases, sorted.
    static func caseNames() -> [String] {
        guard let directory = directory(),
              let files = try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        else { return [] }
        return files.filter { $0.pathExtension == "sql" }
            .map { $0.deletingPathExtension().lastPathComponent }
            .sorted()
    }
}

@Suite("StatementSplitter")
struct StatementSplitterTests {
    // MARK: Golden files

    @Test("there are golden cases to run")
    func goldenCasesExist() {
        let names = SplitterGolden.caseNames()
        #expect(names.count >= 20, "expected at least 20 golden cases in Golden/splitter, found \(names.count)")
    }

    @Test("golden file", arguments: SplitterGolden.caseNames())
    func golden(_ name: String) throws {
        let directory = try #require(SplitterGolden.directory())
        let input = directory.appendingPathComponent(name + ".sql")
        let expectedURL = directory.appendingPathComponent(name + ".expected")
        let text = String(decoding: try Data(contentsOf: input), as: UTF8.self)
        let actual = renderSplit(text)

        if SplitterGolden.updating {
            try Data(actual.utf8).write(to: expectedURL, options: .atomic)
            return
        }
        guard let expectedData = try? Data(contentsOf: expectedURL) else {
            Issue.record("missing \(name).expected; run with STRATA_UPDATE_GOLDEN=1 to create it, then review it")
            return
        }
        let expected = String(decoding: expectedData, as: UTF8.self)
        // Compare the bytes, not String equality (which treats canonically equivalent text as equal).
        let same = actual.utf8.elementsEqual(expected.utf8)
        #expect(same, "golden case \(name) differs (run with STRATA_UPDATE_GOLDEN=1 to accept):\n--- expected\n\(expected)--- actual\n\(actual)")
    }

    // MARK: Positions

    @Test func positionsAreOffsetByStartLine() throws {
        let statements = try StatementSplitter.split("\n\n  SELECT 1;\n\tSELECT 2; SELECT 3\n", startLine: 40)
        #expect(statements == [
            SQLStatement(sql: "SELECT 1", line: 42, column: 3),
            SQLStatement(sql: "SELECT 2", line: 43, column: 2),
            SQLStatement(sql: "SELECT 3", line: 43, column: 12),
        ])
    }

    @Test func leadingCommentsAreDroppedButInnerCommentsKept() throws {
        let statements = try StatementSplitter.split("-- a\n/* b */ SELECT /* c */ 1 -- d\n;", startLine: 7)
        #expect(statements == [SQLStatement(sql: "SELECT /* c */ 1 -- d", line: 8, column: 9)])
    }

    @Test func lineBreakStyles() throws {
        let statements = try StatementSplitter.split("SELECT 1;\r\nSELECT 2;\rSELECT 3;\n\r\n  SELECT 4", startLine: 5)
        #expect(statements.map(\.line) == [5, 6, 7, 9])
        #expect(statements.map(\.column) == [1, 1, 1, 3])
    }

    @Test func columnsCountCharacters() throws {
        let statements = try StatementSplitter.split("SELECT 'ß😀e\u{301}'; SELECT 2", startLine: 3)
        #expect(statements.last == SQLStatement(sql: "SELECT 2", line: 3, column: 15))
    }

    @Test func errorsCarryFileLineAndColumn() {
        #expect(throws: SplitError(kind: .unterminatedSingleQuote, line: 11, column: 8,
                                   detail: "string literal opened here is never closed")) {
            try StatementSplitter.split("SELECT 1;\nSELECT 'x;\nSELECT 2;", startLine: 10)
        }
        do {
            _ = try StatementSplitter.split("SELECT 1;\n\n  DO $body$ BEGIN END; $$;", startLine: 100)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .unterminatedDollarQuote)
            #expect(error.line == 102)
            #expect(error.column == 6)
            #expect(error.detail.contains("$body$"))
            #expect(error.description == "line 102, column 6: \(error.detail)")
        }
    }

    @Test func atomicBodyErrorPointsAtBegin() {
        do {
            _ = try StatementSplitter.split("CREATE FUNCTION f() RETURNS int LANGUAGE sql\n  BEGIN ATOMIC SELECT 1;", startLine: 20)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .unterminatedAtomicBody)
            #expect(error.line == 21)
            #expect(error.column == 3)
        }
    }

    @Test func blocksAreOnlyCountedInRoutinesAndTriggersOutsideParentheses() throws {
        #expect(try StatementSplitter.split("ALTER TABLE t ADD COLUMN begin date; SELECT 1;").map(\.sql)
            == ["ALTER TABLE t ADD COLUMN begin date", "SELECT 1"])
        #expect(try StatementSplitter.split("CREATE TABLE t (begin date, x int); SELECT 1;").map(\.sql)
            == ["CREATE TABLE t (begin date, x int)", "SELECT 1"])
        #expect(try StatementSplitter.split("CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1").map(\.sql)
            == ["CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))", "SELECT 1"])
        #expect(try StatementSplitter.split("SELECT (1)); SELECT 2").map(\.sql) == ["SELECT (1))", "SELECT 2"])
        #expect(try StatementSplitter.split("SELECT (1; SELECT 2;").map(\.sql) == ["SELECT (1; SELECT 2;"])
        for prefix in ["CREATE FUNCTION", "create or replace function", "CREATE PROCEDURE", "CREATE OR REPLACE PROCEDURE",
                       "CREATE TRIGGER", "CREATE TEMP TRIGGER", "CREATE TEMPORARY TRIGGER", "CREATE OR REPLACE TEMP TRIGGER"] {
            let body = "\(prefix) x BEGIN SELECT CASE WHEN a THEN 1 END; SELECT 2; END"
            #expect(try StatementSplitter.split(body + "; SELECT 3").map(\.sql) == [body, "SELECT 3"], "\(prefix)")
        }
        for prefix in ["CREATE TABLE", "CREATE OR FUNCTION", "CREATE CONSTRAINT TRIGGER", "SELECT", "COMMENT ON FUNCTION"] {
            #expect(try StatementSplitter.split("\(prefix) x BEGIN SELECT 1; SELECT 2").count == 2, "\(prefix)")
        }
    }

    @Test func statementIsCodable() throws {
        let statement = SQLStatement(sql: "SELECT 'ü'", line: 3, column: 9)
        let data = try JSONEncoder().encode(statement)
        #expect(try JSONDecoder().decode(SQLStatement.self, from: data) == statement)
    }

    @Test func manyStatementsAreFast() throws {
        let text = (1...10_000).map { "INSERT INTO t (a, b) VALUES (\($0), 'row; \($0)') /* c */" }.joined(separator: ";\n")
            + ";" + (1...10_000).map { " SELECT \($0)" }.joined(separator: ";")
        let clock = ContinuousClock()
        var statements: [SQLStatement] = []
        let elapsed = try clock.measure { statements = try StatementSplitter.split(text) }
        #expect(statements.count == 20_000)
        let lastLine = text[text.index(after: try #require(text.lastIndex(of: "\n")))...]
        let column = try #require(lastLine.range(of: "SELECT 10000")).lowerBound
        #expect(statements.last == SQLStatement(sql: "SELECT 10000", line: 10_000,
                                                column: lastLine.distance(from: lastLine.startIndex, to: column) + 1))
        // Generous so unoptimized debug builds pass; release builds take a few milliseconds.
        #expect(elapsed < .seconds(5))
    }

    // MARK: Property test

    @Test("random statements joined by ; with random whitespace and comments split back exactly")
    func randomJoinedStatements() throws {
        var rng = SplitMix64(seed: 0x5EED_5717_A7A0)
        for iteration in 0..<500 {
            let sample = RandomScript.make(using: &rng)
            let actual: [SQLStatement]
            do {
                actual = try StatementSplitter.split(sample.text, startLine: sample.startLine)
            } catch {
                Issue.record("iteration \(iteration): unexpected \(error) for:\n\(sample.text)")
                continue
            }
            #expect(actual == sample.expected, "iteration \(iteration) differs for:\n\(sample.text)")
            if actual != sample.expected { break }
        }
    }
}

/// SplitMix64, a small deterministic generator so the property test is reproducible.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds random scripts of known statements and the statements the splitter must return.
private enum RandomScript {
    struct Sample {
        var text: String
        var startLine: Int
        var expected: [SQLStatement]
    }

    static func statement(using rng: inout SplitMix64) -> String {
        let n = Int.random(in: 0...9_999, using: &rng)
        let templates = [
            "SELECT \(n)",
            "INSERT INTO t\(n) VALUES ('a;b''c', 'back\\slash')",
            "SELECT \"col;\(n)\" FROM \"t\"\"q;\"",
            "SELECT $$ ; ' \" $$, $tag$ $$ ; $t$ $tag$",
            "SELECT E'it\\'s;' AS x\(n)",
            "SELECT 1 /* inner; /* nested; */ comment */ + \(n)",
            "SELECT CASE WHEN x > \(n) THEN 'a;' ELSE 'b' END FROM t",
            "CREATE FUNCTION f\(n)() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END",
            "SELECT 'ü😀;' AS \"名前\", e\u{301}\(n)",
            "SELECT a$b, c$$ FROM d$e WHERE x = $1 AND y = $2",
            "UPDATE t SET a = \(n) -- inner line comment; 'x\n    WHERE b = 2",
            "SELECT\n  1,\r\n  \(n)",
            "CREATE TRIGGER tr\(n) AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.id); END",
            "DO $do$ BEGIN RAISE NOTICE '%;', \(n); END $do$",
            "ALTER TABLE t\(n) ADD COLUMN begin date",
            "CREATE TABLE t\(n) (begin date, x int)",
            "CREATE RULE r\(n) AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))",
            "CREATE OR REPLACE PROCEDURE p\(n)() LANGUAGE sql BEGIN ATOMIC UPDATE t SET a = CASE WHEN a > 0 THEN 1 END; END",
            "CREATE TEMP TRIGGER tr\(n) AFTER INSERT ON t BEGIN SELECT CASE WHEN new.id < 0 THEN RAISE(ABORT, 'x;') END; END",
        ]
        return templates[Int.random(in: 0..<templates.count, using: &rng)]
    }

    /// Whitespace and comments that may sit between a `;` and the next statement.
    static func gap(using rng: inout SplitMix64, allowComments: Bool) -> String {
        let pieces = allowComments
            ? [" ", "  ", "\t", "\n", "\r\n", "\r", "-- c; 'q \"d $$\n", "-- x\r\n", "/* b; /* n */ ' */", "/**/", ";", " ;\n"]
            : [" ", "\t", "\n", "\r\n", "\r"]
        var out = ""
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            out += pieces[Int.random(in: 0..<pieces.count, using: &rng)]
        }
        return out
    }

    /// Line (offset by `startLine`) and character column just after `prefix`.
    static func position(after prefix: String, startLine: Int) -> (line: Int, column: Int) {
        var line = startLine
        var column = 1
        for character in prefix {
            if character == "\n" || character == "\r\n" || character == "\r" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    static func make(using rng: inout SplitMix64) -> Sample {
        let startLine = Int.random(in: 1...500, using: &rng)
        var text = gap(using: &rng, allowComments: true)
        var expected: [SQLStatement] = []
        let count = Int.random(in: 0...8, using: &rng)
        for index in 0..<count {
            let sql = statement(using: &rng)
            let (line, column) = position(after: text, startLine: startLine)
            expected.append(SQLStatement(sql: sql, line: line, column: column))
            text += sql
            let isLast = index == count - 1
            if isLast && Bool.random(using: &rng) {
                text += gap(using: &rng, allowComments: false) // no terminating semicolon
            } else {
                text += gap(using: &rng, allowComments: false) + ";" + gap(using: &rng, allowComments: true)
            }
        }
        return Sample(text: text, startLine: startLine, expected: expected)
    }
}
