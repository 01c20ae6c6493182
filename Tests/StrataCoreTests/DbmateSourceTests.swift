import Foundation
import Testing
@testable import StrataCore

@Suite("dbmate reader")
struct DbmateSourceTests {
    @Test("the fixture: up/down blocks, transaction:false, several pairs in one file, empty down")
    func fixture() throws {
        let m = try DbmateSource(directory: FormatFixtures.url("dbmate")).read().migrations
        #expect(m.map(\.version.digits) == ["20260101000001", "20260101000002", "20260101000003", "20260101000004", "20260101000005"])
        #expect(m.map { $0.origin?.key } == m.map(\.version.digits))
        #expect(m[0].up.statements.map(\.line) == [2] && m[0].down?.statements.map(\.sql) == ["DROP TABLE posts"])
        #expect(m[1].up.directives.noTransaction && m[1].down?.directives.noTransaction == true)
        #expect(m[2].up.statements.count == 2 && m[2].up.statements[0].line == 4)
        #expect(m[3].up.statements.map(\.line) == [3, 9])
        #expect(m[3].down?.statements.map(\.sql) == ["DROP TABLE IF EXISTS post_tags", "DROP TABLE tags", "DROP TABLE IF EXISTS post_tags"])
        #expect(m[4].down?.statements.isEmpty == true)
        #expect(m[0].checksum == Checksum.of("CREATE TABLE posts (\n    id bigserial PRIMARY KEY,\n    title text NOT NULL,\n    body text\n);\n"))
    }

    @Test("directive lines are read as dbmate's regular expression reads them", arguments: [
        ("-- migrate:up", true), ("--migrate:up", true), ("-- migrate:up transaction:false", true), ("  -- migrate:up", false),
        ("-- migrate:upgrade", false), ("-- MIGRATE:UP", false),
    ])
    func directive(line: String, isUp: Bool) {
        #expect((DbmateSource.directive(Substring(line), "up") != nil) == isUp)
    }

    @Test("only transaction:false turns the transaction off", arguments: [
        ("transaction:false", false), ("transaction:true", true), ("transaction:FALSE", true), ("foo:bar  transaction:false", false), ("", true),
    ])
    func options(text: String, transaction: Bool) {
        #expect(DbmateSource.transaction(options: text) == transaction)
    }

    @Test("malformed files are named", arguments: [
        ("CREATE TABLE t (id int);\n", "no `-- migrate:up`"),
        ("-- migrate:up\nSELECT 1;\n", "without a `-- migrate:down`"),
        ("SELECT 1;\n-- migrate:up\nSELECT 1;\n-- migrate:down\n", "SQL before `-- migrate:up`"),
        ("-- migrate:up\nSELECT 1;\n-- migrate:down\n-- migrate:down\n", "second `-- migrate:down`"),
    ])
    func malformed(text: String, message: String) throws {
        let dir = try TempDir("dbmate")
        defer { dir.remove() }
        try dir.write("20260101000001_ok.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n")
        try dir.write("20260101000002_bad.sql", text)
        let problems = FormatFixtures.problems { _ = try DbmateSource(directory: dir.url).read() }
        #expect(problems.count == 1 && problems.first?.file == "20260101000002_bad.sql" && problems.first?.message.contains(message) == true, "\(problems)")
    }

    @Test("versions whose file-name order differs from their numeric order are refused, naming the files")
    func textOrder() throws {
        let dir = try TempDir("dbmate")
        defer { dir.remove() }
        try dir.write("9_a.sql", "-- migrate:up\n-- migrate:down\n")
        try dir.write("10_b.sql", "-- migrate:up\n-- migrate:down\n")
        let problems = FormatFixtures.problems { _ = try DbmateSource(directory: dir.url).read() }
        #expect(problems.count == 1 && problems[0].message.contains("puts 10_b.sql before 9_a.sql"), "\(problems)")
    }
}
