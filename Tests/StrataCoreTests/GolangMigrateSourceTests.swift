import Foundation
import Testing
@testable import StrataCore

@Suite("golang-migrate reader")
struct GolangMigrateSourceTests {
    @Test("the fixture: uint versions in numeric order, own transactions run as written, CONCURRENTLY outside one")
    func fixture() throws {
        let reading = try GolangMigrateSource(directory: FormatFixtures.url("golang-migrate")).read()
        let m = reading.migrations
        #expect(m.map(\.version.digits) == ["000001", "000002", "3", "000004", "000005", "10"])
        #expect(m.map { $0.origin?.key } == ["1", "2", "3", "4", "5", "10"])
        #expect(m.map(\.name) == ["create_accounts", "add_balance", "ledger", "own_transaction", "concurrent_index", "account_names"])
        #expect(m[0].files == ["000001_create_accounts.up.sql", "000001_create_accounts.down.sql"])
        #expect(m.map(\.up.directives.noTransaction) == [false, false, false, true, true, false])
        #expect(m[3].up.statements.map(\.sql).first == "BEGIN" && m[3].up.statements.map(\.line) == [2, 3, 4, 5])
        #expect(m[2].up.statements.count == 2)
        #expect(m.allSatisfy { $0.down != nil })
        #expect(reading.warnings.isEmpty)
    }

    @Test("the checksum equals Strata's own pair layout's, so a set read either way matches its history")
    func sameChecksumAsStrataPairs() async throws {
        let dir = try TempDir("gm")
        defer { dir.remove() }
        try dir.write("0001_a.up.sql", "-- note\r\nCREATE TABLE a (id int);\r\n")
        try dir.write("0001_a.down.sql", "DROP TABLE a;\n")
        let ours = try await DirectorySource(directory: dir.url).migrations()
        let theirs = try GolangMigrateSource(directory: dir.url).read().migrations
        #expect(ours.map(\.checksum) == theirs.map(\.checksum))
        #expect(ours.map(\.version) == theirs.map(\.version))
    }

    @Test("a duplicate up file, and a down file without its up, are errors naming the file; other files are skipped")
    func malformed() throws {
        let dir = try TempDir("gm")
        defer { dir.remove() }
        try dir.write("1_a.up.sql", "SELECT 1;")
        try dir.write("001_b.up.sql", "SELECT 1;")
        try dir.write("2_c.down.sql", "SELECT 1;")
        try dir.write("notes.sql", "SELECT 1;")
        let problems = FormatFixtures.problems { _ = try GolangMigrateSource(directory: dir.url).read() }
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.contains { $0.file == "2_c.down.sql" && $0.message.contains("without its .up.sql") })
        #expect(problems.contains { $0.message.contains("duplicate golang-migrate up migration for version 1") })
    }

    @Test("file names are read as golang-migrate's pattern does", arguments: [
        ("1_x.up.sql", "1", "x", true), ("0002_add.index.down.sql", "0002", "add.index", false), ("3_a.up.b.down.sql", "3", "a.up.b", false),
    ])
    func names(file: String, version: String, name: String, up: Bool) {
        let p = GolangMigrateSource.parse(file)
        #expect(p?.version == version && p?.name == name && p?.up == up && p?.ext == "sql")
    }
}
