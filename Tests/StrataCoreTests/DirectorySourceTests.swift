// DirectorySource on real temp directories: the three layouts, ordering, and every problem collected at once.

import Foundation
import Testing
@testable import StrataCore

struct DirectorySourceTests {
    @Test func readsTheThreeLayoutsMixedInNumericOrder() async throws {
        let dir = try TempDir("layouts")
        defer { dir.remove() }
        try dir.write("0001_init.sql", "-- strata:up\nCREATE TABLE a (id int);\n-- strata:down\nDROP TABLE a;\n")
        try dir.write("0002_add_index.up.sql", "CREATE INDEX i ON a (id);\n")
        try dir.write("0002_add_index.down.sql", "DROP INDEX i;\n")
        try dir.write("0002_add_index.verify.sql", "SELECT 1;\n")
        try dir.write("9_nine.sql", "-- strata:up\nSELECT 9;\n")
        try dir.write("0010_folder/up.sql", "CREATE TABLE f (id int);\n")
        try dir.write("0010_folder/down.sql", "DROP TABLE f;\n")
        try dir.write("0010_folder/verify.sql", "SELECT id FROM f LIMIT 0;\n")
        try dir.write("0010_folder/README.md", "notes are ignored")
        try dir.write("2026-11-23-140501_dated/up.sql", "SELECT 'dated';\n")
        try dir.write("README.md", "# migrations\n")
        try dir.mkdir("archive")

        let migrations = try await DirectorySource(directory: dir.url).migrations()
        #expect(migrations.map(\.version.digits) == ["0001", "0002", "9", "0010", "20261123140501"])
        #expect(migrations.map(\.name) == ["init", "add_index", "nine", "folder", "dated"])

        let single = migrations[0]
        #expect(single.up.file == "0001_init.sql")
        #expect(single.down?.file == "0001_init.sql")
        #expect(single.files == ["0001_init.sql"])

        let pair = migrations[1]
        #expect(pair.up.file == "0002_add_index.up.sql")
        #expect(pair.down?.file == "0002_add_index.down.sql")
        #expect(pair.verify?.file == "0002_add_index.verify.sql")
        #expect(pair.files == ["0002_add_index.down.sql", "0002_add_index.up.sql", "0002_add_index.verify.sql"])
        #expect(pair.down?.statements.map(\.sql) == ["DROP INDEX i"])

        #expect(migrations[2].down == nil)

        let folder = migrations[3]
        #expect(folder.up.file == "0010_folder/up.sql")
        #expect(folder.down?.file == "0010_folder/down.sql")
        #expect(folder.verify?.file == "0010_folder/verify.sql")
        #expect(folder.files == ["0010_folder/down.sql", "0010_folder/up.sql", "0010_folder/verify.sql"])
        #expect(folder.checksum == Checksum.of("CREATE TABLE f (id int);"))

        #expect(migrations[4].label == "20261123140501_dated")
    }

    @Test func emptyDirectoryHasNoMigrations() async throws {
        let dir = try TempDir("empty")
        defer { dir.remove() }
        #expect(try await DirectorySource(directory: dir.url).migrations().isEmpty)
    }

    @Test func missingDirectoryIsAnError() async throws {
        let dir = try TempDir("missing")
        dir.remove()
        let error = try #require(await sourceError { _ = try await DirectorySource(directory: dir.url).migrations() })
        #expect(error.problems.count == 1)
        expectContains(error.description, [dir.path, "does not exist", "strata init"])
    }

    @Test func aFileInPlaceOfTheDirectoryIsAnError() async throws {
        let dir = try TempDir("notdir")
        defer { dir.remove() }
        let file = try dir.write("migrations", "not a directory")
        let error = try #require(await sourceError { _ = try await DirectorySource(directory: file).migrations() })
        expectContains(error.description, ["not a directory"])
    }

    @Test func hiddenFilesAndFoldersAreIgnored() async throws {
        let dir = try TempDir("hidden")
        defer { dir.remove() }
        try dir.write("0001_a.sql", "-- strata:up\nSELECT 1;\n")
        try dir.write(".0002_hidden.sql", "not sql at all")
        try dir.write(".DS_Store", "\u{0}\u{1}binary")
        try dir.write(".git/0003_x.sql", "garbage")
        try dir.write("0004_f/up.sql", "SELECT 4;\n")
        try dir.write("0004_f/.up.sql.swp", "\u{0}swap")
        let migrations = try await DirectorySource(directory: dir.url).migrations()
        #expect(migrations.map(\.version.digits) == ["0001", "0004"])
        #expect(migrations[1].files == ["0004_f/up.sql"])
    }

    @Test func byteOrderMarkIsStripped() async throws {
        let dir = try TempDir("bom")
        defer { dir.remove() }
        try dir.writeBytes("0001_bom.sql", [0xEF, 0xBB, 0xBF] + Array("-- strata:up\nSELECT 1;\n".utf8))
        try dir.writeBytes("0002_bom.up.sql", [0xEF, 0xBB, 0xBF] + Array("SELECT 2;\n".utf8))
        let migrations = try await DirectorySource(directory: dir.url).migrations()
        #expect(migrations.count == 2)
        #expect(migrations[0].up.statements.map(\.sql) == ["SELECT 1"])
        #expect(migrations[0].checksum == Checksum.of("SELECT 1;"))
        #expect(migrations[1].up.text == "SELECT 2;")
        #expect(migrations[1].up.text.unicodeScalars.first != "\u{FEFF}")
    }

    @Test func crlfAndLFCopiesHaveTheSameChecksum() async throws {
        let lf = try TempDir("lf")
        let crlf = try TempDir("crlf")
        defer { lf.remove(); crlf.remove() }
        let text = "-- strata:up\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\n-- strata:down\nDROP TABLE b;\n"
        try lf.write("0001_a.sql", text)
        try crlf.write("0001_a.sql", text.replacingOccurrences(of: "\n", with: "\r\n"))
        let a = try await DirectorySource(directory: lf.url).migrations()
        let b = try await DirectorySource(directory: crlf.url).migrations()
        #expect(a.map(\.checksum) == b.map(\.checksum))
        #expect(try await DirectorySource(directory: lf.url).sumEntries() == DirectorySource(directory: crlf.url).sumEntries())
    }

    @Test func symlinkedFileIsRead() async throws {
        let dir = try TempDir("link")
        let elsewhere = try TempDir("target")
        defer { dir.remove(); elsewhere.remove() }
        let target = try elsewhere.write("shared.sql", "-- strata:up\nSELECT 1;\n")
        try dir.symlink("0001_linked.sql", to: target.path)
        let migrations = try await DirectorySource(directory: dir.url).migrations()
        #expect(migrations.map(\.name) == ["linked"])
    }

    /// One directory with many problems: they are all reported in one error, each naming its file.
    @Test func collectsEveryProblemInOneError() async throws {
        let dir = try TempDir("problems")
        defer { dir.remove() }
        // Fine migrations around the broken ones.
        try dir.write("0001_ok.sql", "-- strata:up\nSELECT 1;\n")
        // Duplicate version across layouts: single file and pair file.
        try dir.write("0002_first.sql", "-- strata:up\nSELECT 2;\n")
        try dir.write("0002_second.up.sql", "SELECT 2;\n")
        // `.down.sql` without `.up.sql`.
        try dir.write("0003_orphan.down.sql", "DROP TABLE t;\n")
        // Folder without up.sql.
        try dir.write("0004_folder/down.sql", "DROP TABLE f;\n")
        // Stray .sql without a version.
        try dir.write("seed.sql", "INSERT INTO t VALUES (1);\n")
        // Looks like a migration, wrong extension.
        try dir.write("0005_x.txt", "SELECT 5;\n")
        // Invalid UTF-8.
        try dir.writeBytes("0006_latin1.sql", Array("-- strata:up\nSELECT 'caf".utf8) + [0xE9] + Array("';\n".utf8))
        // Broken symbolic link.
        try dir.symlink("0007_dangling.sql", to: dir.url.appendingPathComponent("nowhere.sql").path)
        // A parse error with a line.
        try dir.write("0008_bad_directive.sql", "-- strata:up\nSELECT 1;\n-- strata:no-transaction\n")

        let error = try #require(await sourceError { _ = try await DirectorySource(directory: dir.url).migrations() })
        let byFile = Dictionary(grouping: error.problems, by: \.file)
        func message(_ file: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
            let found = byFile[file]?.map(\.message).joined(separator: " | ")
            #expect(found != nil, "no problem reported for \(file); got \(error.problems)", sourceLocation: sourceLocation)
            return found ?? ""
        }

        expectContains(message("0002_second.up.sql"), ["duplicate version 0002", "0002_first.sql"])
        expectContains(message("0003_orphan.down.sql"), ["0003", "no up section", ".up.sql"])
        expectContains(message("0004_folder/down.sql"), ["0004", "no up section", "up.sql"])
        expectContains(message("seed.sql"), ["without a leading version"])
        expectContains(message("0005_x.txt"), ["looks like a migration"])
        expectContains(message("0006_latin1.sql"), ["UTF-8"])
        expectContains(message("0007_dangling.sql"), ["broken symbolic link"])
        expectContains(message("0008_bad_directive.sql"), ["after SQL"])
        #expect(byFile["0008_bad_directive.sql"]?.first?.line == 3)
        #expect(byFile["0001_ok.sql"] == nil)
        #expect(error.problems.count == 8)
        // The printed error lists them all, with file:line where known.
        expectContains(error.description, ["8 problems", "nothing was run", "0008_bad_directive.sql:3:1:", "seed.sql:", "0007_dangling.sql:"])
    }

    @Test("duplicate versions name both files, whatever the layouts", arguments: [
        (["0001_a.sql", "0001_b.sql"], "0001_b.sql", "0001_a.sql"),
        (["1_a.sql", "0001_b.sql"], "1_a.sql", "0001_b.sql"),
        (["0001_a.sql", "0001_b.up.sql"], "0001_b.up.sql", "0001_a.sql"),
        (["0001_a.up.sql", "0001_b.up.sql"], "0001_b.up.sql", "0001_a.up.sql"),
        (["0001_a.sql", "0001_b/up.sql"], "0001_b/", "0001_a.sql"),
        (["0001_a/up.sql", "0001_b.sql"], "0001_b.sql", "0001_a/"),
        (["0001_a/up.sql", "0001_b/up.sql"], "0001_b/", "0001_a/"),
        (["2026-11-23-140501_a.sql", "20261123140501_b.sql"], "20261123140501_b.sql", "2026-11-23-140501_a.sql"),
    ])
    func duplicateVersions(files: [String], reported: String, other: String) async throws {
        let dir = try TempDir("dups")
        defer { dir.remove() }
        for file in files {
            try dir.write(file, file.hasSuffix("/up.sql") || file.hasSuffix(".up.sql") ? "SELECT 1;\n" : "-- strata:up\nSELECT 1;\n")
        }
        let error = try #require(await sourceError { _ = try await DirectorySource(directory: dir.url).migrations() })
        #expect(error.problems.count == 1)
        let p = try #require(error.problems.first)
        #expect(p.file == reported)
        expectContains(p.message, ["duplicate version", other])
    }

    @Test func folderProblems() async throws {
        let dir = try TempDir("folders")
        defer { dir.remove() }
        try dir.mkdir("0001_empty")
        try dir.write("0002_extra/up.sql", "SELECT 2;\n")
        try dir.write("0002_extra/seed.sql", "SELECT 'x';\n")
        try dir.writeBytes("0003_binary/up.sql", Array("SELECT 1;".utf8) + [0xFF, 0xFE])
        try dir.write("0004_marker/up.sql", "SELECT 1;\n-- strata:down\nSELECT 2;\n")
        let error = try #require(await sourceError { _ = try await DirectorySource(directory: dir.url).migrations() })
        let byFile = Dictionary(grouping: error.problems, by: \.file)
        expectContains(byFile["0001_empty/"]?.first?.message ?? "", ["without up.sql"])
        expectContains(byFile["0002_extra/seed.sql"]?.first?.message ?? "", ["unexpected file"])
        expectContains(byFile["0003_binary/up.sql"]?.first?.message ?? "", ["UTF-8"])
        #expect(byFile["0004_marker/up.sql"]?.first?.line == 2)
        #expect(error.problems.count == 4, "\(error)")
    }

    @Test func brokenUpFileIsReportedOnceNotAlsoAsAMissingUp() async throws {
        let dir = try TempDir("brokenup")
        defer { dir.remove() }
        try dir.write("0001_x.up.sql", "SELECT 1;\n-- strata:down\n")
        try dir.write("0001_x.down.sql", "SELECT 2;\n")
        try dir.writeBytes("0002_f/up.sql", [0xC3, 0x28])
        try dir.write("0002_f/down.sql", "SELECT 2;\n")
        let error = try #require(await sourceError { _ = try await DirectorySource(directory: dir.url).migrations() })
        #expect(error.problems.map(\.file) == ["0001_x.up.sql", "0002_f/up.sql"], "\(error)")
        #expect(error.problems.first?.line == 2)
    }

    @Test func nulByteIsReported() async throws {
        let dir = try TempDir("nul")
        defer { dir.remove() }
        try dir.writeBytes("0001_nul.sql", Array("-- strata:up\nSELECT 1;".utf8) + [0] + [10])
        let error = try #require(await sourceError { _ = try await DirectorySource(directory: dir.url).migrations() })
        #expect(error.problems.map(\.file) == ["0001_nul.sql"])
        expectContains(error.description, ["NUL"])
    }

    @Test func sumEntriesListEveryFileInVersionOrder() async throws {
        let dir = try TempDir("sum")
        defer { dir.remove() }
        try dir.write("10_ten.sql", "-- strata:up\nSELECT 10;\n")
        try dir.write("9_nine.up.sql", "SELECT 9;\r\n")
        try dir.write("9_nine.down.sql", "SELECT -9;\n")
        try dir.write("0001_f/up.sql", "SELECT 1;\n")
        let entries = try await DirectorySource(directory: dir.url).sumEntries()
        #expect(entries.map(\.path) == ["0001_f/up.sql", "9_nine.down.sql", "9_nine.up.sql", "10_ten.sql"])
        #expect(entries[2].checksum == Checksum.of("SELECT 9;\n"))
    }
}
