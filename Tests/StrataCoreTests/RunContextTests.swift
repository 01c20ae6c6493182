// RunContext.newRunID: the UTC start time and 32 random bits, formatted without Foundation's date styles.

import Foundation
import Testing
@testable import StrataCore

struct RunContextTests {
    @Test("a run id is the UTC time as Foundation's ISO 8601 basic format writes it, then a random hex part",
          arguments: [0, 951_782_400, 1_796_231_184, 4_102_444_799, 1_234_567_890])
    func runIDStamp(seconds: Int) {
        let date = Date(timeIntervalSince1970: TimeInterval(seconds) + 0.987)
        let id = RunContext.newRunID(now: date)
        let expected = date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).dateTimeSeparator(.standard)
            .timeSeparator(.omitted).dateSeparator(.omitted).timeZone(separator: .omitted)).replacingOccurrences(of: "Z", with: "")
        let parts = id.split(separator: "-")
        #expect(parts.count == 2)
        #expect(String(parts[0]) == expected)
        #expect(parts.count == 2 && UInt32(parts[1], radix: 16) != nil)
    }

    @Test func runIDsDiffer() {
        let ids = Set((0..<50).map { _ in RunContext.newRunID() })
        #expect(ids.count == 50)
    }
}
