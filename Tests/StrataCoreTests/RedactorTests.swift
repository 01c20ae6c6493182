// Redactor: passwords never reach output, and ordinary text is left alone.

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
