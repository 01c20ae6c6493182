// MigrationFileName: how file and folder names are read.

import Testing
@testable import StrataCore

struct MigrationFileNameTests {
    @Test("splitVersion separates the version from the name", arguments: [
        ("0001_create_users", "0001", "create_users"),
        ("1_x", "1", "x"),
        ("0001", "0001", ""),
        ("0001_", "0001", ""),
        ("0001-create", "0001", "create"),
        ("0001__double", "0001", "double"),
        ("0001_-mixed", "0001", "mixed"),
        ("2026-11-23-140501_create_users", "20261123140501", "create_users"),
        ("2026-11-23-create", "20261123", "create"),
        ("20261123140501_add-index_2", "20261123140501", "add-index_2"),
        ("1.2_customer_email", "1.2", "customer_email"),
        ("1.10.3_x", "1.10.3", "x"),
        ("R__customer_directory", "R__customer directory", "customer directory"),
    ])
    func splits(stem: String, digits: String, name: String) throws {
        let (v, n) = try #require(MigrationFileName.splitVersion(stem))
        #expect(v.digits == digits)
        #expect(n == name)
    }

    @Test("splitVersion refuses names that do not start with a version", arguments: [
        "", "create_users", "_0001_x", "-0001_x", "0001x", "0001.x", "1._x", "v0001_x", "１_x", "R__", "R_x",
    ])
    func splitRejects(stem: String) {
        #expect(MigrationFileName.splitVersion(stem) == nil, "\(stem.debugDescription) should not split")
    }

    @Test("parseFile reads every file form", arguments: [
        ("0001_init.sql", "0001", "init", MigrationFileName.Kind.single),
        ("0002_add_index.up.sql", "0002", "add_index", .up),
        ("0002_add_index.down.sql", "0002", "add_index", .down),
        ("0002_add_index.verify.sql", "0002", "add_index", .verify),
        ("0003_Upper.UP.SQL", "0003", "Upper", .up),
        ("0004_x.Down.Sql", "0004", "x", .down),
        ("0005.sql", "0005", "", .single),
        ("0006.up.sql", "0006", "", .up),
        ("2026-11-23-140501_create_users.sql", "20261123140501", "create_users", .single),
        ("2026-11-23-140501_create_users.verify.sql", "20261123140501", "create_users", .verify),
        ("0007_dotted.name.sql", "0007", "dotted.name", .single),
    ])
    func parsesFiles(file: String, digits: String, name: String, kind: MigrationFileName.Kind) throws {
        let parsed = try #require(MigrationFileName.parseFile(file))
        #expect(parsed.version.digits == digits)
        #expect(parsed.name == name)
        #expect(parsed.kind == kind)
    }

    @Test("parseFile refuses other names", arguments: [
        "0001_init.txt", "init.sql", "README.md", "0001_init.sql.bak", "0001_init", "x0001_init.sql", ".sql", "0001x.sql",
    ])
    func fileRejects(file: String) {
        #expect(MigrationFileName.parseFile(file) == nil, "\(file) should not be a migration file")
    }

    @Test("parseFolder reads folder names", arguments: [
        ("0001_init", "0001", "init"),
        ("2026-11-23-140501_create_users", "20261123140501", "create_users"),
        ("42", "42", ""),
    ])
    func parsesFolders(folder: String, digits: String, name: String) throws {
        let parsed = try #require(MigrationFileName.parseFolder(folder))
        #expect(parsed.version.digits == digits)
        #expect(parsed.name == name)
        #expect(parsed.kind == .folder)
    }

    @Test("parseFolder refuses other names", arguments: ["archive", "_0001", "0001x", ""])
    func folderRejects(folder: String) {
        #expect(MigrationFileName.parseFolder(folder) == nil)
    }
}
