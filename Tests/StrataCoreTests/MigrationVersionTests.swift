// MigrationVersion: parsing, numeric ordering, equality, Codable.

import Foundation
import Testing
@testable import StrataCore

struct MigrationVersionTests {
    @Test("accepts digits and dashes, keeping the written digits", arguments: [
        ("1", "1", "1"),
        ("0001", "0001", "1"),
        ("20261123140501", "20261123140501", "20261123140501"),
        ("2026-11-23-140501", "20261123140501", "20261123140501"),
        ("1--2", "12", "12"),
        ("0", "0", "0"),
        ("000", "000", "0"),
    ])
    func parses(text: String, digits: String, canonical: String) throws {
        let v = try #require(MigrationVersion(text))
        #expect(v.digits == digits)
        #expect(v.canonical == canonical)
        #expect(v.description == digits)
    }

    @Test("rejects anything that is not digits with inner dashes (or dotted parts)", arguments: [
        "", "-", "--", "abc", "12a", "a12", "-1", "1-", "-1-", " 1", "1 ", "1..2", "1.", ".1", "+1", "1_2", "١٢", "１２", "0x10",
    ])
    func rejects(text: String) {
        #expect(MigrationVersion(text) == nil, "\(text.debugDescription) should not parse")
    }

    @Test("isZero for every spelling of zero", arguments: [("0", true), ("0000", true), ("0-0", true), ("10", false), ("0001", false)])
    func zero(text: String, isZero: Bool) throws {
        #expect(try version(text).isZero == isZero)
    }

    @Test("orders numerically, not as text", arguments: [
        ("9", "10"),
        ("0009", "10"),
        ("1", "0002"),
        ("99999999999999", "100000000000000"),
        ("20261123140501", "2026-11-23-140502"),
        // Longer than Int64 can hold.
        ("99999999999999999999999998", "99999999999999999999999999"),
        ("9223372036854775807", "9223372036854775808"),
        ("0", "1"),
    ])
    func ordering(smaller: String, larger: String) throws {
        let a = try version(smaller)
        let b = try version(larger)
        #expect(a < b)
        #expect(!(b < a))
        #expect(a != b)
    }

    @Test("equal values compare, hash and sort as one", arguments: [
        ("0001", "1"),
        ("2026-11-23-140501", "20261123140501"),
        ("000", "0"),
        ("00099999999999999999999999", "99999999999999999999999"),
    ])
    func equality(a: String, b: String) throws {
        let x = try version(a)
        let y = try version(b)
        #expect(x == y)
        #expect(!(x < y) && !(y < x))
        #expect(Set([x, y]).count == 1)
        #expect([x: 1][y] == 1)
    }

    @Test func sortsAMixedList() throws {
        let texts = ["10", "9", "0002", "1", "2026-11-23-140501", "100", "0000000000000000000011"]
        let sorted = try texts.map { try version($0) }.sorted().map(\.digits)
        #expect(sorted == ["1", "0002", "9", "10", "0000000000000000000011", "100", "20261123140501"])
    }

    @Test func encodesAsTheWrittenDigits() throws {
        let data = try JSONEncoder().encode([try version("0001"), try version("2026-11-23-140501")])
        #expect(String(decoding: data, as: UTF8.self) == #"["0001","20261123140501"]"#)
    }

    @Test("decodes from a JSON string", arguments: [(#""0042""#, "0042"), (#""2026-11-23""#, "20261123")])
    func decodes(json: String, digits: String) throws {
        let v = try JSONDecoder().decode(MigrationVersion.self, from: Data(json.utf8))
        #expect(v.digits == digits)
    }

    @Test("refuses to decode a non-version or a number", arguments: [#""abc""#, #""""#, #""1-""#, "42"])
    func decodeFails(json: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(MigrationVersion.self, from: Data(json.utf8))
        }
    }

    @Test func decodeErrorNamesTheBadText() {
        do {
            _ = try JSONDecoder().decode(MigrationVersion.self, from: Data(#""v12""#.utf8))
            Issue.record("decoding v12 should fail")
        } catch {
            #expect(String(describing: error).contains("v12"))
        }
    }
}
