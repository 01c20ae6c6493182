// Checksum: SHA-256 vectors and line-ending normalisation.

import Testing
@testable import StrataCore

struct ChecksumTests {
    @Test("known SHA-256 vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abc\n", "edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(text: String, hex: String) {
        #expect(Checksum.of(text) == hex)
        #expect(Checksum.hex(Array(text.utf8)) == hex)
    }

    @Test("CRLF, CR and LF give the same checksum", arguments: [
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\rb\r", "a\nb\n"),
        ("a\r\nb\rc\n", "a\nb\nc\n"),
        ("a\r\r\nb", "a\n\nb"),
        ("\r\n", "\n"),
        ("\r", "\n"),
        ("CREATE TABLE é (id int);\r\n", "CREATE TABLE é (id int);\n"),
    ])
    func normalisation(windows: String, unix: String) {
        #expect(Checksum.normalise(windows) == unix)
        #expect(Checksum.of(windows) == Checksum.of(unix))
    }

    @Test("different content gives different checksums", arguments: [
        ("a\nb", "a\n\nb"),
        ("SELECT 1;", "SELECT 1; "),
        ("a\n", "a"),
    ])
    func differences(a: String, b: String) {
        #expect(Checksum.of(a) != Checksum.of(b))
    }

    @Test func hexIsLowercaseAnd64Characters() {
        let hex = Checksum.of("anything")
        #expect(hex.count == 64)
        #expect(hex.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func migrationChecksumIsTheChecksumOfItsUpText() async throws {
        let up = "CREATE TABLE users (\r\n  id int\r\n);\r\nCREATE INDEX users_id ON users (id);"
        let file = "-- strata:up\r\n\(up)\r\n-- strata:down\r\nDROP TABLE users;\r\n"
        let migrations = try await InMemorySource(files: ["0001_users.sql": file]).migrations()
        let m = try #require(migrations.first)
        #expect(m.checksum == Checksum.of(up))
        #expect(m.checksum == Checksum.of(m.up.text))
        // The down section does not change the checksum.
        let other = file.replacingOccurrences(of: "DROP TABLE users;", with: "DROP TABLE users CASCADE;")
        let m2 = try #require(try await InMemorySource(files: ["0001_users.sql": other]).migrations().first)
        #expect(m2.checksum == m.checksum)
    }

    @Test func sameUpSQLInEveryLayoutGivesTheSameChecksum() async throws {
        let up = "CREATE TABLE t (id int);"
        let single = try #require(try await InMemorySource(files: ["0001_t.sql": "-- strata:up\n\(up)\n-- strata:down\nDROP TABLE t;\n"]).migrations().first)
        let pair = try #require(try await InMemorySource(files: ["0001_t.up.sql": "\(up)\n", "0001_t.down.sql": "DROP TABLE t;\n"]).migrations().first)
        #expect(single.checksum == pair.checksum)
        #expect(single.checksum == Checksum.of(up))
    }
}
