import Foundation
@testable import StrataCore
import Testing

/// The pure parts of batching and grouping: which statements a batch must not hold, and how a group's clocks
/// become each migration's duration.
struct GroupingTests {
    @Test("SELECT … INTO is recognised (over-cautiously), other statements with INTO are not", arguments: [
        ("SELECT id INTO copied FROM src", true),
        ("select id\ninto copied from src", true),
        ("/* c */ WITH x AS (SELECT 1) SELECT * INTO t FROM x", true),
        ("(SELECT 1 INTO t)", true),
        ("SELECT 'into'", true),
        ("INSERT INTO t VALUES (1)", false),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ DECLARE n int; BEGIN SELECT 1 INTO n; RETURN n; END $$", false),
        ("SELECT intox FROM t", false),
        ("SELECT x_into FROM t", false),
        ("SELECT \"into\"", true),
        ("SELECT 1", false),
    ])
    func selectInto(sql: String, expected: Bool) {
        #expect(Migrator.mayBeSelectInto(sql) == expected)
    }

    @Test("leading words: comments, line breaks of every kind, case, and where the bytes are not ASCII", arguments: [
        ("commit", 2, ["COMMIT"]),
        ("  set  session  authorization x", 2, ["SET", "SESSION"]),
        ("-- note\nBEGIN", 1, ["BEGIN"]),
        ("-- note\r\nCOMMIT", 1, ["COMMIT"]),
        ("-- note\rCOMMIT", 1, ["COMMIT"]),
        ("/* a /* nested */ still */ Set_x", 1, ["SET_X"]),
        ("/* unterminated", 1, []),
        ("(SELECT 1)", 1, []),
        ("SET\u{A0}TRANSACTION", 2, ["SET", "TRANSACTION"]),
        ("\u{2003}COMMIT", 1, ["COMMIT"]),
        ("-- é\nCOPY t", 2, ["COPY", "T"]),
        ("COMMITé", 1, ["COMMITÉ"]),
        ("SET2 x", 2, ["SET"]),
    ])
    func leadingWords(sql: String, count: Int, expected: [String]) {
        #expect(Migrator.leadingWords(sql, count: count) == expected)
        #expect(Migrator.unicodeLeadingWords(sql, count: count) == expected)
    }

    @Test("leading words read byte by byte agree with the Unicode reading on 20,000 random texts")
    func leadingWordsAgree() {
        let pieces = ["--", "/*", "*/", "\n", "\r", "\r\n", " ", "\t", "\u{0B}", "\u{0C}", "-", "/", "*", "set", "SET", "Commit",
                      "transaction", "_x", "9", "(", ";", "'", "é", "\u{A0}", "✓", "\u{1C}", "@", "[", "`", "{"]
        // No combining marks: one after `-` or `*` makes a Character that is not the delimiter, where PostgreSQL (and the
        // byte reading) still sees `--` or `/*`.
        var rng = SystemRandomNumberGenerator()
        var disagreements: [String] = []
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            let count = Int.random(in: 1...2, using: &rng)
            var copy = text
            let ascii = copy.withUTF8 { Migrator.asciiLeadingWords($0, count: count) }
            let unicode = Migrator.unicodeLeadingWords(text, count: count)
            if let ascii, ascii != unicode { disagreements.append(text.debugDescription) }
            if ascii == nil, text.utf8.allSatisfy({ $0 < 0x80 }) { disagreements.append("ASCII text not read by bytes: \(text.debugDescription)") }
            if Migrator.leadingWords(text, count: count) != unicode { disagreements.append(text.debugDescription) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) texts, e.g. \(disagreements.prefix(5))")
    }

    @Test("word search: boundaries, case, non-ASCII neighbours")
    func containsWord() {
        #expect(TextScan.containsWordIgnoringCase("a INTO b", "into"))
        #expect(TextScan.containsWordIgnoringCase("into", "into"))
        #expect(TextScan.containsWordIgnoringCase("x\tInTo\n", "into"))
        #expect(!TextScan.containsWordIgnoringCase("intoé", "into"))
        #expect(!TextScan.containsWordIgnoringCase("éinto", "into"))
        #expect(!TextScan.containsWordIgnoringCase("$into", "into"))
        #expect(!TextScan.containsWordIgnoringCase("int", "into"))
        #expect(!TextScan.containsWordIgnoringCase("", "into"))
        #expect(TextScan.containsWordIgnoringCase("SET Statement_Timeout = 0", "statement_timeout"))
        #expect(TextScan.containsWordIgnoringCase("select set_config('statement_timeout', '1s', false)", "statement_timeout"))
        #expect(!TextScan.containsWordIgnoringCase("SET statement\u{7F}timeout = 0", "statement_timeout"), "only letters match in any case")
        #expect(!TextScan.containsWordIgnoringCase("SET idle_statement_timeout = 0", "statement_timeout"))
    }

    @Test("durations from the server's clocks, and the even share when they are missing or malformed")
    func durations() {
        #expect(Migrator.durations("1000,1500,4500", count: 2, elapsed: .seconds(9)) == [.microseconds(500), .microseconds(3000)])
        #expect(Migrator.durations(nil, count: 3, elapsed: .milliseconds(300)) == Array(repeating: .milliseconds(100), count: 3))
        #expect(Migrator.durations("1000,900", count: 1, elapsed: .milliseconds(5)) == [.milliseconds(5)], "a clock going back")
        #expect(Migrator.durations("1000,x,2000", count: 2, elapsed: .milliseconds(8)) == [.milliseconds(4), .milliseconds(4)])
        #expect(Migrator.durations("1,2,3", count: 3, elapsed: .milliseconds(3)) == Array(repeating: .milliseconds(1), count: 3),
                "one clock missing: the even share, not the two differences there are")
    }
}
