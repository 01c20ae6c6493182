// Redactor: passwords never reach output, and ordinary text is left alone.

import Foundation
import Testing
@testable import StrataCore

struct RedactorTests {
    @Test("URL passwords are masked", arguments: [
        ("postgres://app:hunter2@db/app", "postgres://app:***@db/app"),
        ("connect to postgresql://app:hunter2@db:5432/app failed", "connect to postgresql://app:***@db:5432/app failed"),
        ("postgres://:onlypw@db/app", "postgres://:***@db/app"),
        ("a postgres://u1:p1@h1/d and postgres://u2:p2@h2/d", "a postgres://u1:***@h1/d and postgres://u2:***@h2/d"),
        ("mysql://root:pw@db/x", "mysql://root:***@db/x"),
        ("postgres://app:p%40ss@db/app", "postgres://app:***@db/app"),
        ("postgres://app:pa#ss@word@db/app", "postgres://app:***@db/app"),
        // A quoted URL does not swallow what follows its closing quote.
        (#"{"url":"postgres://app:pw@db/app","mail":"me@example.com"}"#, #"{"url":"postgres://app:***@db/app","mail":"me@example.com"}"#),
        ("'postgres://app:pw@db/app' AND owner='a@b'", "'postgres://app:***@db/app' AND owner='a@b'"),
    ])
    func urlPasswords(text: String, expected: String) {
        #expect(Redactor.redactURL(text) == expected)
        #expect(Redactor().redact(text) == expected)
    }

    @Test("password= pairs are masked", arguments: [
        ("host=db password=hunter2 user=app", "host=db password=*** user=app"),
        ("PASSWORD = 'two words' next", "PASSWORD = *** next"),
        ("password=\"quoted value\";", "password=***;"),
        ("?sslmode=require&password=pw&user=x", "?sslmode=require&password=***&user=x"),
        ("db_password=abc", "db_password=***"),
    ])
    func passwordPairs(text: String, expected: String) {
        #expect(Redactor.redactURL(text) == expected)
    }

    @Test func knownSecretsAreMaskedAnywhere() {
        let r = Redactor(secrets: ["s3cr3t!", "ab", "longer-s3cr3t!"])
        #expect(r.secrets == ["longer-s3cr3t!", "s3cr3t!"])
        #expect(r.redact("error: FATAL password s3cr3t! rejected") == "error: FATAL password *** rejected")
        #expect(r.redact("longer-s3cr3t!") == "***")
        // The percent-encoded form, as it appears in a URL.
        #expect(r.redact("tried s3cr3t%21 too") == "tried *** too")
        // Secrets shorter than 3 characters are not masked (they would mask ordinary words).
        #expect(r.redact("about tab") == "about tab")
    }

    @Test func addKeepsTheListUniqueAndLongestFirst() {
        var r = Redactor()
        r.add("abc")
        r.add("abcdef")
        r.add("abc")
        r.add(nil)
        r.add("x")
        #expect(r.secrets == ["abcdef", "abc"])
        #expect(r.redact("abcdef and abc") == "*** and ***")
    }

    @Test("ordinary text is left alone", arguments: [
        "SELECT * FROM users WHERE id = 1;",
        "see https://example.com/docs?a=b&c=d for details",
        "postgres://app@db:5432/app",
        "mail me at dev@example.com",
        "the password is wrong",
        "password_hash = crypt($1)",
        "reset_password_token column added",
        "https://example.com:8443/path",
        "ALTER TABLE t ADD COLUMN password text;",
        "time: 12:30 at host@site",
    ])
    func noFalsePositives(text: String) {
        #expect(Redactor.redactURL(text) == text)
        #expect(Redactor(secrets: ["hunter2"]).redact(text) == text)
    }
}

/// The byte scans that decide whether the redactor has anything to replace: a miss must never skip a secret.
struct TextScanTests {
    @Test("bytesPrecede is byte order, as the C locale sorts names", arguments: [
        ("0002_b.sql", "0010_a.sql", true), ("0010_a.sql", "0002_b.sql", false), ("0001_a", "0001_a.sql", true), ("abc", "abc", false),
        ("B.sql", "a.sql", true), ("é.sql", "z.sql", false), ("", "a", true),
    ])
    func byteOrder(a: String, b: String, precedes: Bool) {
        #expect(TextScan.bytesPrecede(a, b) == precedes)
        #expect(TextScan.bytesPrecede(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8))
    }

    @Test("hasSuffixIgnoringCase folds ASCII letters only", arguments: [
        ("0001_init.sql", true), ("0001_init.SQL", true), ("0001_init.Sql", true), ("sql", false), ("0001_init.sq", false), ("x.ſql", false),
    ])
    func suffix(name: String, matches: Bool) {
        #expect(TextScan.hasSuffixIgnoringCase(name, ".sql") == matches)
    }

    @Test("contains finds a needle anywhere, in any text", arguments: [
        ("hunter2", "hunter2", true), ("xhunter2", "hunter2", true), ("hunter2x", "hunter2", true), ("hunter", "hunter2", false),
        ("hhhunter2", "hunter2", true), ("été hunter2 ü", "hunter2", true), ("été", "té", true), ("abc", "", true), ("", "a", false),
    ])
    func contains(text: String, needle: String, found: Bool) {
        #expect(TextScan.contains(text, needle) == found)
        #expect(TextScan.contains(text, needle) == text.contains(needle) || needle.isEmpty)
    }

    @Test("containsIgnoringCase matches ASCII letters in any case", arguments: [
        ("PASSWORD=x", true), ("Password", true), ("a pAsSwOrD b", true), ("passwor", false), ("pass word", false), ("ПАРОЛЬ", false),
    ])
    func ignoringCase(text: String, found: Bool) {
        #expect(TextScan.containsIgnoringCase(text, "password") == found)
    }

    @Test("hasURLWithPassword finds exactly the URLs redactURL rewrites", arguments: [
        "postgres://app:hunter2@db/app", "x postgres://:pw@h/d", "mysql://root:pw@db/x", #"{"u":"postgres://a:b@c/d"}"#,
        "postgres://app@db/app", "postgres://db:5432/app", "see https://example.com/a:b", "postgres://app:pw db@x", "no url here",
        #"{"url":"postgres://app@db/app","mail":"me@example.com"}"#, "sqlite://:memory:", "a://b:c\"@d",
    ])
    func urlShape(text: String) {
        #expect(TextScan.hasURLWithPassword(text) == (Redactor.redactURL(text) != text), "\(text)")
    }

    @Test("the byte-level URL masking does what the regular expression does, over 20,000 random ASCII texts")
    func urlMaskingMatchesTheExpression() {
        // Texts built from the characters the expression cares about, so that URLs, users, passwords, `@`s, quotes and
        // whitespace meet in every order.
        let pieces = ["://", "postgres", ":", "@", "/", " ", "\t", "\n", "\"", "'", "a", "pw", "h", "%40", "#", "=", "x@y", "\u{0B}"]
        var rng = SystemRandomNumberGenerator()
        let regex = #"(://[^:/@\s]*):[^\s"']*@"#
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...14, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            let expected = text.replacingOccurrences(of: regex, with: "$1:***@", options: .regularExpression)
            #expect(TextScan.maskingURLPasswords(text) == expected, "\(text.debugDescription)")
            #expect(Redactor.redactURL(text) == expected, "\(text.debugDescription)")
        }
        #expect(TextScan.maskingURLPasswords("postgres://app:pw@db/é") == nil)   // non-ASCII: the expression decides
        // A no-break space is whitespace to the expression (the password ends there, before any `@`): left alone.
        #expect(Redactor.redactURL("postgres://app:pw\u{A0}x@db/é") == "postgres://app:pw\u{A0}x@db/é")
        #expect(Redactor.redactURL("postgres://app:pw@db/é") == "postgres://app:***@db/é")
    }

    @Test("a large text with nothing to mask comes back unchanged; one secret in it is still masked")
    func largeText() {
        let big = String(repeating: #"{"version":"00001","name":"tiny","state":"applied","target":"postgres://app@db/app"},"#, count: 20_000)
        let r = Redactor(secrets: ["hunter2"])
        #expect(r.redact(big) == big)
        #expect(r.redact(big + "hunter2").hasSuffix("***"))
    }
}

/// What the byte scans cannot decide goes to the full (Unicode-aware) search, as before they existed.
struct RedactorUnicodeTests {
    @Test("redactURL masks what both expressions mask, over 20,000 random texts with the letters that fold into password")
    func matchesTheExpressions() {
        let pieces = ["pa", "PA", "s", "S", "ſ", "ß", "ẞ", "word", "WORD", "password", "=", " ", "'", "x", "✓", "é", "://", "u:p@h", "ss", "\u{A0}", "paß", "PAẞ", "paſs", "word="]
        var rng = SystemRandomNumberGenerator()
        let url = #"(://[^:/@\s]*):[^\s"']*@"#, pair = #"(?i)(password\s*=\s*)('[^']*'|"[^"]*"|[^\s&;]+)"#
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...10, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            let expected = text.replacingOccurrences(of: url, with: "$1:***@", options: .regularExpression)
                .replacingOccurrences(of: pair, with: "$1***", options: .regularExpression)
            #expect(Redactor.redactURL(text) == expected, "\(text.debugDescription)")
        }
    }

    @Test("password= with Unicode case folding and secrets in another normalization are still masked")
    func unicode() {
        // Whatever the regular expression makes of these, the byte pre-check must not skip it.
        for text in ["paßword=hunter2 rest", "PAſSWORD=hunter2", "ｐassword=x", "мой password=hunter2"] {
            let regex = #"(?i)(password\s*=\s*)('[^']*'|"[^"]*"|[^\s&;]+)"#
            #expect(Redactor.redactURL(text) == text.replacingOccurrences(of: regex, with: "$1***", options: .regularExpression), "\(text)")
        }
        let r = Redactor(secrets: ["café-secret"])
        #expect(!r.redact("login with cafe\u{301}-secret failed").contains("cafe\u{301}-secret"))
        #expect(!r.redact("login with café-secret failed").contains("café-secret"))
    }
}
