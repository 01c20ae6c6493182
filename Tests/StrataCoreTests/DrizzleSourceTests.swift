import Foundation
import Testing
@testable import StrataCore

@Suite("drizzle reader")
struct DrizzleSourceTests {
    @Test("the fixture: journal order, breakpoints, the journal's `when` as the key, unjournaled files warned about")
    func fixture() throws {
        let reading = try DrizzleSource(directory: FormatFixtures.url("drizzle")).read()
        let m = reading.migrations
        #expect(m.map(\.version.digits) == ["0000", "0001", "0002", "0003"])
        #expect(m.map { $0.origin?.key } == ["1767225600000", "1767312000000", "1767398400000", "1767484800000"])
        #expect(m.map(\.name) == ["lively_start", "orders_status", "plain_file", "concurrent_index"])
        #expect(m[0].up.statements.map(\.line) == [1, 6, 12])
        #expect(m[1].up.statements.count == 3 && m[1].up.statements[0].sql.hasPrefix("DO $$ BEGIN"))
        #expect(m[2].up.statements.count == 2)
        #expect(m.map(\.up.directives.noTransaction) == [false, false, false, true])
        #expect(m.allSatisfy { $0.down == nil })
        #expect(reading.warnings == ["0004_unjournaled_draft.sql: not in meta/_journal.json; drizzle skips it, and so does Strata"])
    }

    @Test("a journal naming a missing file is an error naming the journal, and nothing is returned")
    func missingFile() throws {
        let dir = try TempDir("drizzle")
        defer { dir.remove() }
        try dir.write("meta/_journal.json", #"{"entries":[{"idx":0,"when":1,"tag":"0000_a","breakpoints":true},{"idx":1,"when":2,"tag":"0001_gone","breakpoints":true}]}"#)
        try dir.write("0000_a.sql", "SELECT 1;")
        let problems = FormatFixtures.problems { _ = try DrizzleSource(directory: dir.url).read() }
        #expect(problems.count == 1 && problems[0].file == "meta/_journal.json" && problems[0].message.contains("names 0001_gone.sql, which does not exist"), "\(problems)")
    }

    @Test("a journal that is not one, or out of order, is an error naming the journal", arguments: [
        (#"{"entries": [{"idx": 0, "tag": "0000_a"}]}"#, "missing `when`"),
        ("{ not json", "not a drizzle journal"),
        (#"{"entries":[{"idx":0,"when":2,"tag":"0001_a"},{"idx":1,"when":3,"tag":"0000_a"}]}"#, "does not come after"),
        (#"{"entries":[{"idx":0,"when":2,"tag":"0000_a"},{"idx":1,"when":3,"tag":"0000_a"}]}"#, "listed twice"),
    ])
    func badJournal(json: String, message: String) throws {
        let dir = try TempDir("drizzle")
        defer { dir.remove() }
        try dir.write("meta/_journal.json", json)
        try dir.write("0000_a.sql", "SELECT 1;")
        try dir.write("0001_a.sql", "SELECT 1;")
        let problems = FormatFixtures.problems { _ = try DrizzleSource(directory: dir.url).read() }
        #expect(problems.first?.file == "meta/_journal.json" && problems.first?.message.contains(message) == true, "\(problems)")
    }
}
