import Foundation
import Testing
@testable import StrataCore

@Suite("Flyway reader")
struct FlywaySourceTests {
    func read(_ dir: TempDir, variables: [String: String] = [:]) throws -> FormatReading {
        try FlywaySource(directory: dir.url.appendingPathComponent("sql"), variables: variables).read()
    }

    @Test("the fixture: dotted versions in numeric order, undo as down, subfolders, repeatables last, placeholders, .sql.conf, callbacks skipped")
    func fixture() throws {
        let reading = try FlywaySource(directory: FormatFixtures.url("flyway/sql"), variables: [:]).read()
        let m = reading.migrations
        #expect(m.map(\.version.digits) == ["1", "1.1", "1.2", "1.10", "2", "3", "R__customer directory", "R__invoice totals"])
        #expect(m.map { $0.origin?.key } == ["1", "1.1", "1.2", "1.10", "2", "3", "customer directory", "invoice totals"])
        #expect(m[0].name == "create customers" && m[0].files == ["U1__create_customers.sql", "V1__create_customers.sql"].reversed())
        #expect(m[0].up.statements.map(\.sql).first?.contains("CREATE TABLE customers (") == true)
        #expect(m[0].up.statements.last?.sql == "COMMENT ON TABLE public.customers IS 'owned by app_owner'")
        #expect(m[0].checksum == Checksum.of(try String(contentsOf: FormatFixtures.url("flyway/sql/V1__create_customers.sql"), encoding: .utf8)),
                "the checksum is taken before placeholders are replaced")
        #expect(m[0].down?.statements.map(\.sql) == ["DROP TABLE customers"])
        #expect(m[2].up.directives.noTransaction, "CREATE INDEX CONCURRENTLY")
        #expect(m[3].up.statements.first?.sql.contains("DEFAULT 'written by the migration'") == true, "a continued line in flyway.conf")
        #expect(m[4].up.directives.noTransaction && m[4].files.contains("V2__refresh_statistics.sql.conf"))
        #expect(m[5].files == ["billing/V3__invoices.sql", "billing/U3__invoices.sql"])
        #expect(m[6].isRepeatable && m[6].down == nil)
        #expect(reading.warnings.contains { $0.hasPrefix("afterMigrate.sql: a Flyway callback script") })
    }

    @Test("file names", arguments: [
        ("V1__init.sql", "V", "1", "init"), ("V1_2__add_users.sql", "V", "1.2", "add users"), ("U2.0.1__x.sql", "U", "2.0.1", "x"),
        ("B3__base.sql", "B", "3", "base"), ("R__my_view.sql", "R", "", "my view"), ("V20260101120000__ts.sql", "V", "20260101120000", "ts"),
    ])
    func names(file: String, kind: String, version: String, description: String) throws {
        let n = try FlywayFileName.parse(file)
        #expect(n?.kind.rawValue == kind.first && n?.versionText == version && n?.description == description)
    }

    @Test("not migration names, and names Flyway refuses")
    func badNames() throws {
        #expect(try FlywayFileName.parse("init.sql") == nil)
        #expect(try FlywayFileName.parse("V1_init.sql") == nil)
        #expect(throws: SourceProblem.self) { try FlywayFileName.parse("V1a__x.sql") }
        #expect(throws: SourceProblem.self) { try FlywayFileName.parse("V__x.sql") }
        #expect(throws: SourceProblem.self) { try FlywayFileName.parse("R1__x.sql") }
    }

    @Test("placeholders: environment over files, built-ins, an unknown one is an error naming file and line")
    func placeholders() throws {
        let dir = try TempDir("flyway")
        defer { try? FileManager.default.removeItem(at: dir.url) }
        try dir.write("flyway.conf", "flyway.placeholders.role=from_conf\nflyway.table=history\n")
        try dir.write("sql/V1__a.sql", "SELECT '${flyway:filename} ${flyway:table}';\nGRANT SELECT ON t TO ${role};\n")
        var m = try read(dir).migrations
        #expect(m[0].up.statements.map(\.sql) == ["SELECT 'V1__a.sql history'", "GRANT SELECT ON t TO from_conf"])
        m = try read(dir, variables: ["FLYWAY_PLACEHOLDERS_ROLE": "from_env"]).migrations
        #expect(m[0].up.statements.last?.sql.hasSuffix("TO from_env") == true)
        try dir.write("sql/V2__b.sql", "SELECT 1;\nSELECT '${missing}', '${other}';\n")
        let problems = FormatFixtures.problems { _ = try read(dir) }
        #expect(problems.map(\.description) == ["V2__b.sql:2: no value provided for Flyway placeholders ${missing}, ${other}; set it with flyway.placeholders.missing=… in flyway.conf, [flyway.placeholders] in flyway.toml, or FLYWAY_PLACEHOLDERS_MISSING"])
        try dir.write("flyway.conf", "flyway.placeholderReplacement=false\n")
        #expect(try read(dir).migrations[1].up.statements.last?.sql == "SELECT '${missing}', '${other}'")
    }

    @Test("duplicates, an undo without its migration, unknown script settings: every problem listed")
    func problems() throws {
        let dir = try TempDir("flyway")
        defer { try? FileManager.default.removeItem(at: dir.url) }
        try dir.write("sql/V1__a.sql", "SELECT 1;")
        try dir.write("sql/sub/V1.0__b.sql", "SELECT 1;")
        try dir.write("sql/U7__c.sql", "SELECT 1;")
        try dir.write("sql/V2__d.sql", "SELECT 1;")
        try dir.write("sql/V2__d.sql.conf", "executeInTransaction=maybe\n")
        try dir.write("sql/V3__e.sql", "SELECT 1;")
        try dir.write("sql/V3__e.sql.conf", "mixed=true\n")
        let p = FormatFixtures.problems { _ = try read(dir) }.map(\.description)
        #expect(p.count == 4, "\(p)")
        #expect(p.contains { $0.contains("found more than one migration with version 1") })
        #expect(p.contains { $0.hasPrefix("U7__c.sql: undo migration for version 7") })
        #expect(p.contains { $0.hasPrefix("V2__d.sql.conf: executeInTransaction must be true or false") })
        #expect(p.contains { $0.hasPrefix("V3__e.sql.conf: unknown script configuration property `mixed`") })
    }

    @Test("a B script next to its V script is the version's baseline form; a B script alone is a pure baseline")
    func baselines() throws {
        let dir = try TempDir("flyway")
        defer { try? FileManager.default.removeItem(at: dir.url) }
        try dir.write("sql/V1__a.sql", "CREATE TABLE a (id int);")
        try dir.write("sql/V2__b.sql", "CREATE TABLE b (id int);")
        try dir.write("sql/B2__base.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);")
        try dir.write("sql/B3__only.sql", "CREATE TABLE c (id int);")
        let m = try read(dir).migrations
        #expect(m.map(\.version.digits) == ["1", "2", "3"])
        #expect(m[1].baselineUp?.statements.count == 2 && !m[1].isPureBaseline && m[1].isBaseline)
        #expect(m[1].baselineChecksum == Checksum.of("CREATE TABLE a (id int);\nCREATE TABLE b (id int);"))
        #expect(m[2].isPureBaseline && m[2].files == ["B3__only.sql"])
    }

    @Test("Flyway's checksum: CRC-32 over the lines without their terminators, signed")
    func checksum() {
        #expect(FlywayChecksum.of("SELECT 1;") == 78_787_420)
        #expect(FlywayChecksum.of("SELECT 1;\n") == 78_787_420)
        #expect(FlywayChecksum.of("CREATE VIEW v AS SELECT 1;\r\nSELECT 2;\n") == -175_206_266)
        #expect(FlywayChecksum.of("\u{FEFF}SELECT 1;") == 78_787_420)
    }

    @Test("Java properties as flyway.conf holds them")
    func properties() {
        let p = FlywaySettings.properties("# comment\n! also\nflyway.a = 1\nflyway.b:2\nflyway.c 3\nflyway.d=long \\\n   value\nflyway.e\\=x=y\n")
        #expect(p.map { "\($0.0)=\($0.1)" } == ["flyway.a=1", "flyway.b=2", "flyway.c=3", "flyway.d=long value", "flyway.e=x=y"])
        #expect(FlywaySettings.databaseName(jdbc: "jdbc:postgresql://db.example.com:5432/shop?ssl=true") == "shop")
    }
}
