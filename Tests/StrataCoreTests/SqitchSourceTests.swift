import Foundation
import Testing
@testable import StrataCore

@Suite("Sqitch reader")
struct SqitchSourceTests {
    @Test("the fixture: plan order, tags, a reworked change reading its @tag scripts, verify without its own transaction lines")
    func fixture() throws {
        let reading = try SqitchSource(directory: FormatFixtures.url("sqitch")).read()
        let m = reading.migrations
        #expect(m.map(\.version.digits) == ["1", "2", "3", "4", "5"])
        #expect(m.map(\.name) == ["product_state", "products", "product_price", "product_search", "product_price"])
        #expect(m.map { $0.origin?.key } == m.map(\.name))
        #expect(m[2].files == ["deploy/product_price@v1.0.sql", "revert/product_price@v1.0.sql", "verify/product_price@v1.0.sql"])
        #expect(m[4].files == ["deploy/product_price.sql", "revert/product_price.sql", "verify/product_price.sql"])
        #expect(m[0].up.directives.noTransaction, "the script's own BEGIN/COMMIT runs as written")
        #expect(m[0].verify?.statements.map(\.sql) == ["SELECT 'draft'::product_state"])
        #expect(m[3].up.directives.noTransaction && m[3].up.statements.map(\.sql) == ["CREATE INDEX CONCURRENTLY products_name_search ON products (lower(name))"])
        #expect(reading.warnings.isEmpty)
    }

    @Test("plan lines: pragmas, dependencies, conflicts, notes, tags")
    func plan() throws {
        let p = try SqitchPlan.parse("""
            %syntax-version=1.0.0
            %project=app
            # a comment
            a 2026-01-01T00:00:00Z Ann <a@x> # first
            @v1 2026-01-01T00:00:00Z Ann <a@x>
            b [a !old other:thing] 2026-01-02T00:00:00Z Ann <a@x> # second
            """, file: "sqitch.plan")
        #expect(p.project == "app")
        #expect(p.changes.map(\.name) == ["a", "b"] && p.changes[0].tags == ["v1"] && p.changes[0].note == "first")
        #expect(p.changes[1].requires == ["a", "other:thing"] && p.changes[1].conflicts == ["old"] && p.changes[1].line == 6)
    }

    @Test("bad plans are refused naming the plan and the line", arguments: [
        ("a [b] 2026-01-01T00:00:00Z A <a@x>\nb [a] 2026-01-01T00:00:00Z A <a@x>\n",
         "sqitch.plan:1: dependency cycle detected between changes \"a\" (line 1) → \"b\" (line 2) → \"a\" (line 1)"),
        ("a [b] 2026-01-01T00:00:00Z A <a@x>\nb 2026-01-01T00:00:00Z A <a@x>\n",
         "sqitch.plan:1: change \"a\" planned 1 change before required change \"b\" (line 2); move \"b\" above it"),
        ("a [nope] 2026-01-01T00:00:00Z A <a@x>\n", "sqitch.plan:1: unknown change \"nope\" required by change \"a\""),
        ("a 2026-01-01T00:00:00Z A <a@x>\na 2026-01-01T00:00:00Z A <a@x>\n", "sqitch.plan:2: change \"a\" is planned again (reworked) without a tag"),
        ("a 2026-01-01T00:00:00Z A <a@x>\nb [!a] 2026-01-01T00:00:00Z A <a@x>\n", "sqitch.plan:2: change \"b\" conflicts with change \"a\""),
        ("@v1 2026-01-01T00:00:00Z A <a@x>\n", "sqitch.plan:1: tag @v1 before any change"),
    ])
    func badPlans(text: String, message: String) {
        do {
            _ = try SqitchPlan.parse("%project=p\n\n" .appending(text).split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).joined(separator: "\n"), file: "sqitch.plan")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.contains { $0.description.hasPrefix(message) }, "\(error.problems)")
        }
    }

    @Test("a change without its deploy script names the plan line")
    func missingDeploy() throws {
        let dir = try TempDir("sqitch")
        defer { try? FileManager.default.removeItem(at: dir.url) }
        try dir.write("sqitch.plan", "%project=p\n\na 2026-01-01T00:00:00Z A <a@x>\n")
        let p = FormatFixtures.problems { _ = try SqitchSource(directory: dir.url).read() }
        #expect(p.map(\.description) == ["sqitch.plan:3: change \"a\" has no deploy script deploy/a.sql"])
    }
}
