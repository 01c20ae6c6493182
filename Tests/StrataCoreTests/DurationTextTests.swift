// DurationText: parsing and printing durations.

import Foundation
import Testing
@testable import StrataCore

struct DurationTextTests {
    @Test("parses", arguments: [
        ("500ms", 500),
        ("5s", 5_000),
        ("30m", 1_800_000),
        ("2h", 7_200_000),
        ("1h30m", 5_400_000),
        ("1m30s", 90_000),
        ("1.5s", 1_500),
        ("0.25h", 900_000),
        ("1d", 86_400_000),
        ("90", 90_000),
        ("0.5", 500),
        ("0", 0),
        ("0s", 0),
        (" 5s ", 5_000),
        ("5S", 5_000),
        ("10sec", 10_000),
        ("2mins", 120_000),
        ("3hrs", 10_800_000),
    ] as [(String, Int64)])
    func parses(text: String, milliseconds: Int64) throws {
        let d = try #require(DurationText.parse(text), "\(text.debugDescription) should parse")
        #expect(DurationText.milliseconds(d) == milliseconds)
    }

    @Test("refuses", arguments: [
        "", " ", "abc", "5x", "s", "-5s", "-1", "5s3", "1.2.3s", "ms", "1h-30m", "nan", "inf", "infinity", "1e400",
        "99999999999999999999h", "1e300", "1e30s",
    ])
    func refuses(text: String) {
        #expect(DurationText.parse(text) == nil, "\(text.debugDescription) should not parse")
    }

    @Test("formats", arguments: [
        (0, "0ms"),
        (850, "850ms"),
        (999, "999ms"),
        (1_000, "1.0s"),
        (4_200, "4.2s"),
        (59_900, "59.9s"),
        (60_000, "1m0s"),
        (90_000, "1m30s"),
        (3_599_000, "59m59s"),
        (3_600_000, "1h0m"),
        (7_500_000, "2h5m"),
    ] as [(Int64, String)])
    func formats(milliseconds: Int64, text: String) {
        #expect(DurationText.format(.milliseconds(milliseconds)) == text)
    }

    @Test("format output parses back to the same whole seconds", arguments: [60_000, 90_000, 3_599_000] as [Int64])
    func roundTrip(milliseconds: Int64) throws {
        let text = DurationText.format(.milliseconds(milliseconds))
        let d = try #require(DurationText.parse(text))
        #expect(DurationText.milliseconds(d) == milliseconds)
    }

    @Test func millisecondsRoundsDown() {
        #expect(DurationText.milliseconds(.microseconds(1_999)) == 1)
        #expect(DurationText.milliseconds(.seconds(3)) == 3_000)
    }
}

struct DurationTextSpacingTests {
    @Test func spacesBetweenNumberAndUnitAreAllowed() {
        #expect(DurationText.parse("5 s") == .seconds(5))
        #expect(DurationText.parse(" 1h 30m ") == .seconds(5400))
    }
    @Test func justUnderAMinuteIsNotShownAsSixtySeconds() {
        #expect(DurationText.format(.milliseconds(59_999)) == "0m59s" || DurationText.format(.milliseconds(59_999)) == "1m0s")
        #expect(DurationText.format(.milliseconds(59_900)) == "59.9s")
    }
}

struct SumFileHexTests {
    @Test func nonHexChecksumIsMalformed() {
        let bad = "total sha256:" + String(repeating: "z", count: 64) + "\n"
        #expect(throws: SourceProblem.self) { try SumFile.parse(bad) }
    }
}

struct TimestampParsingTests {
    @Test(arguments: ["2026-11-23T14:05:01.123Z", "1999-12-31T23:59:59Z", "2024-02-29T00:00:00.5Z", "1970-01-01T00:00:00.000Z", "2100-03-01T12:30:45.999Z"])
    func fastPathAgreesWithFoundation(text: String) throws {
        let fast = try #require(Timestamps.parseFixed(text))
        let slow = try #require(try? Date(text, strategy: .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: text.contains(".")).timeSeparator(.colon).timeZone(separator: .omitted)))
        #expect(abs(fast.timeIntervalSince(slow)) < 0.0005)
    }

    @Test(arguments: ["", "2026-13-01T00:00:00Z", "2026-11-23 14:05:01Z", "2026-11-23T14:05:01", "2026-11-23T14:05:01.Z", "x026-11-23T14:05:01Z"])
    func fastPathRefusesOtherShapes(text: String) {
        #expect(Timestamps.parseFixed(text) == nil)
    }
}

struct TimestampFormattingTests {
    /// The arithmetic formatter agrees with Foundation's ISO-8601 formatter, leap days and century years included.
    @Test(arguments: [0.0, 951_782_400.0, 1_709_164_800.5, 1_795_442_701.123, 4_107_542_399.999, -86_400.25, 253_402_300_799.0])
    func formatAgreesWithFoundation(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let foundation = date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
        #expect(Timestamps.format(date) == foundation)
        #expect(Timestamps.parse(Timestamps.format(date)).map { abs($0.timeIntervalSince(date)) < 0.001 } == true)
    }
}

struct SQLTextTests {
    @Test func doublingAndContains() {
        #expect(SQLText.doubling(39, in: "it's 'x'") == "it''s ''x''")
        #expect(SQLText.doubling(34, in: "plain") == "plain")
        #expect(SQLText.doubling(39, in: "é'ü") == "é''ü")
        #expect(SQLText.contains("SELECT $strata$ x", "$strata$"))
        #expect(!SQLText.contains("SELECT $strata_1$ x", "$strata$"))
        #expect(!SQLText.contains("$str", "$strata$"))
        #expect(SQLText.contains("anything", ""))
    }
}
