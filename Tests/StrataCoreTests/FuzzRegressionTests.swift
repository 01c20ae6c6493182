import Foundation
import StrataCore
import Testing

/// Inputs the libFuzzer target (fuzz/) found, kept so the bugs stay fixed.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// fuzz/crashes/crash-1c2f88db…: a combining mark right after `;` starts the next statement. Columns were
    /// counted on from the previous statement's start, which split the character `;` + U+0301 in two, so every
    /// later statement on that line was one column off (15 instead of 14).
    @Test("columns stay right after a statement that starts with a combining mark (fuzz crash 1c2f88db)")
    func combiningMarkAfterSemicolon() throws {
        let input = "-- strata:up\n/* */\nSELECT 1\nSELECT 1/;" + String(repeating: "\0", count: 12)
            + "&/\n;\u{301}- trailing; comment\n/**/SELECT 2\n\n"
        let statements = try StatementSplitter.split(input)
        #expect(statements.map(\.line) == [3, 4, 5, 5])
        #expect(statements.map(\.column) == [1, 11, 2, 14])
        #expect(statements.last?.sql == "comment\n/**/SELECT 2")

        let minimal = try StatementSplitter.split("SELECT 1;\u{301}x; SELECT 2")
        #expect(minimal == [SQLStatement(sql: "SELECT 1", line: 1, column: 1), SQLStatement(sql: "\u{301}x", line: 1, column: 10),
                            SQLStatement(sql: "SELECT 2", line: 1, column: 13)])
    }

    /// The column of a statement does not depend on whether another statement starts earlier on the same line.
    @Test("a statement's column is the same alone as after others on its line", arguments: ["\u{301}", "e\u{301}", "\u{1F600}", "\u{600}", "é"])
    func columnIndependentOfEarlierStatements(_ odd: String) throws {
        let tail = "\(odd)a; SELECT 2"
        let alone = try #require(try StatementSplitter.split(";" + tail).last)
        let after = try #require(try StatementSplitter.split("SELECT 1;" + tail).last)
        #expect(after.column - alone.column == "SELECT 1".count)
    }
}
