import Foundation
import Testing
@testable import StrataCore

@Suite("diesel reader")
struct DieselSourceTests {
    @Test("the fixture: dashed and plain versions, the initial setup, metadata.toml")
    func fixture() throws {
        let reading = try DieselSource(directory: FormatFixtures.url("diesel/migrations")).read()
        let m = reading.migrations
        #expect(m.map { $0.origin?.key } == ["00000000000000", "20260101000001", "20260102000002", "20260103000003", "20260104000004"])
        #expect(m.map(\.name) == ["diesel_initial_setup", "create_users", "users_email_index", "create_posts", "seed_users"])
        #expect(m.map(\.up.directives.noTransaction) == [false, false, true, false, false])
        #expect(m[2].down?.directives.noTransaction == true)
        #expect(m[2].files == ["2026-01-02-000002_users_email_index/up.sql", "2026-01-02-000002_users_email_index/down.sql",
                               "2026-01-02-000002_users_email_index/metadata.toml"])
        #expect(m[1].up.statements.map(\.line) == [1, 6])
        #expect(reading.warnings.isEmpty)
    }

    @Test("metadata.toml is read as diesel reads it", arguments: [
        (nil as String?, true), ("run_in_transaction = false", false), ("run_in_transaction = true", true),
        ("", false), ("# nothing\nother = 1", false), ("run_in_transaction = \"no\"", true), ("not toml [", true),
    ])
    func metadata(text: String?, inTransaction: Bool) {
        #expect(DieselSource.runInTransaction(metadata: text, file: "x/metadata.toml").0 == inTransaction)
    }

    @Test("a folder without up.sql, an empty up.sql, non-numeric and duplicate versions are errors; empty folders are skipped")
    func malformed() throws {
        let dir = try TempDir("diesel")
        defer { dir.remove() }
        try dir.write("2026-01-01-000001_a/up.sql", "SELECT 1;")
        try dir.write("20260101000001_b/up.sql", "SELECT 1;")
        try dir.write("2026-01-02-000002_c/down.sql", "SELECT 1;")
        try dir.write("2026-01-03-000003_d/up.sql", "")
        try dir.write("abc_e/up.sql", "SELECT 1;")
        try dir.mkdir("2026-01-04-000004_empty")
        let problems = FormatFixtures.problems { _ = try DieselSource(directory: dir.url).read() }
        #expect(problems.map(\.file) == ["2026-01-02-000002_c/", "2026-01-03-000003_d/up.sql", "20260101000001_b/", "abc_e/"], "\(problems)")
        #expect(problems[2].message.contains("duplicate version 20260101000001"))
    }
}
