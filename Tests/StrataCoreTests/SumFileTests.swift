// SumFile (strata.sum): deterministic text, parsing, and the problems found when files drift.

import Testing
@testable import StrataCore

private let entries = [
    SumEntry(path: "0001_init.sql", checksum: Checksum.of("one")),
    SumEntry(path: "0002_x.up.sql", checksum: Checksum.of("two")),
    SumEntry(path: "0003_f/up.sql", checksum: Checksum.of("three")),
]

/// The problem `SumFile.parse` reports for `text`, or a recorded failure when it parses.
private func parseProblem(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> SourceProblem? {
    do {
        _ = try SumFile.parse(text)
        Issue.record("expected a parse problem", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

struct SumFileTests {
    @Test func textIsDeterministic() {
        let a = SumFile(entries: entries)
        let b = SumFile(entries: entries)
        #expect(a.text == b.text)
        #expect(a.total == b.total)
        let lines = a.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix("#"))
        #expect(lines[1] == "total sha256:\(a.total)")
        #expect(lines[2] == "0001_init.sql sha256:\(Checksum.of("one"))")
        #expect(lines[4] == "0003_f/up.sql sha256:\(Checksum.of("three"))")
        #expect(lines[5] == "")
        #expect(a.total.count == 64)
    }

    @Test func totalDependsOnEveryEntryAndTheirOrder() {
        let base = SumFile(entries: entries).total
        #expect(SumFile(entries: entries.reversed()).total != base)
        #expect(SumFile(entries: Array(entries.dropLast())).total != base)
        var renamed = entries
        renamed[0].path = "0001_other.sql"
        #expect(SumFile(entries: renamed).total != base)
        var edited = entries
        edited[1].checksum = Checksum.of("TWO")
        #expect(SumFile(entries: edited).total != base)
        #expect(SumFile(entries: []).total != base)
    }

    @Test func parseRoundTrips() throws {
        var withSpace = entries
        withSpace.append(SumEntry(path: "0004_with space.sql", checksum: Checksum.of("four")))
        let sum = SumFile(entries: withSpace)
        let parsed = try SumFile.parse(sum.text)
        #expect(parsed.total == sum.total)
        #expect(parsed.entries == withSpace)
        #expect(SumFile.problems(recorded: parsed, actual: sum).isEmpty)
    }

    @Test func parseAcceptsCRLFBlankLinesAndComments() throws {
        let sum = SumFile(entries: entries)
        let text = "# a comment\r\n\r\n" + sum.text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n   \r\n"
        let parsed = try SumFile.parse(text)
        #expect(parsed.total == sum.total)
        #expect(parsed.entries == entries)
    }

    @Test("problems() reports each kind of drift, naming the file", arguments: [
        // (change, file named, words)
        ("edited", "0002_x.up.sql", ["changed since strata.sum"]),
        ("added", "0004_new.sql", ["not in strata.sum", "strata hash"]),
        ("removed", "0003_f/up.sql", ["listed in strata.sum", "missing"]),
        ("total", "strata.sum", ["total", "strata hash"]),
    ])
    func drift(change: String, file: String, words: [String]) throws {
        let recordedSum = SumFile(entries: entries)
        var recorded = try SumFile.parse(recordedSum.text)
        var now = entries
        switch change {
        case "edited": now[1].checksum = Checksum.of("two, edited")
        case "added": now.append(SumEntry(path: "0004_new.sql", checksum: Checksum.of("four")))
        case "removed": now.removeLast()
        case "total": recorded.total = String(repeating: "0", count: 64)
        default: Issue.record("unknown case \(change)")
        }
        let problems = SumFile.problems(recorded: recorded, actual: SumFile(entries: now))
        #expect(problems.count == 1, "\(problems)")
        let p = try #require(problems.first)
        #expect(p.file == file)
        expectContains(p.message, words)
    }

    @Test func editedFileMessageShowsBothChecksumPrefixes() throws {
        let recorded = try SumFile.parse(SumFile(entries: entries).text)
        var now = entries
        now[0].checksum = Checksum.of("changed")
        let p = try #require(SumFile.problems(recorded: recorded, actual: SumFile(entries: now)).first)
        expectContains(p.message, [String(Checksum.of("changed").prefix(12)), String(Checksum.of("one").prefix(12))])
    }

    @Test func severalProblemsAreAllReported() throws {
        let recorded = try SumFile.parse(SumFile(entries: entries).text)
        var now = entries
        now[0].checksum = Checksum.of("edited")
        now.removeLast()
        now.append(SumEntry(path: "0005_added.sql", checksum: Checksum.of("five")))
        let problems = SumFile.problems(recorded: recorded, actual: SumFile(entries: now))
        #expect(Set(problems.map(\.file)) == ["0001_init.sql", "0005_added.sql", "0003_f/up.sql"])
    }

    @Test func customFileNameAppearsInMessages() throws {
        let recorded = try SumFile.parse(SumFile(entries: entries).text, file: "db/strata.sum")
        let p = try #require(SumFile.problems(recorded: recorded, actual: SumFile(entries: []), file: "db/strata.sum").first)
        expectContains(p.message, ["db/strata.sum"])
    }

    @Test("malformed text names the line", arguments: [
        ("# header\ntotal sha256:\(String(repeating: "a", count: 64))\njustoneword\n", 3, ["malformed line"]),
        ("total sha256:abc\n", 1, ["malformed checksum"]),
        ("total sha256:\(String(repeating: "a", count: 64))\n\n0001_a.sql md5:\(String(repeating: "a", count: 64))\n", 3, ["malformed checksum"]),
        ("total sha256:\(String(repeating: "a", count: 64))\n0001_a.sql sha256:\(String(repeating: "a", count: 65))\n", 2, ["malformed checksum"]),
    ])
    func malformed(text: String, line: Int, words: [String]) throws {
        let p = try #require(parseProblem(text))
        #expect(p.file == "strata.sum")
        #expect(p.line == line)
        expectContains(p.message, words)
        #expect(p.description.hasPrefix("strata.sum:\(line):"))
    }

    @Test("text without a total line is refused", arguments: ["", "# only a comment\n", "0001_a.sql sha256:\(String(repeating: "b", count: 64))\n"])
    func missingTotal(text: String) throws {
        let p = try #require(parseProblem(text))
        expectContains(p.message, ["total", "strata hash"])
    }
}
