import Foundation
import StrataKit
import Testing

/// Conformance: repeatable migrations (run again when changed; forgotten by `down --to 0`) and baselines (a fresh
/// database starts from one; an existing one treats it as applied), against a real database.
extension Conformance {
    static func repeatableView(_ body: String) -> Migration {
        let text = "DROP VIEW IF EXISTS answers;\nCREATE VIEW answers AS SELECT \(body) AS answer;"
        return Migration(version: MigrationVersion(repeatable: "answers"), name: "answers",
                         up: MigrationScript(file: "R__answers.sql", text: text, statements: [
                            SQLStatement(sql: "DROP VIEW IF EXISTS answers", line: 1, column: 1),
                            SQLStatement(sql: "CREATE VIEW answers AS SELECT \(body) AS answer", line: 2, column: 1),
                         ]), down: nil, verify: nil, files: ["R__answers.sql"])
    }

    static func answer(_ db: DriverTestDatabase) async throws -> String? {
        try await db.driver.withSession { try await $0.query("SELECT answer FROM answers") }.first?[0] ?? nil
    }

    /// A repeatable runs after the numbered migrations, again (alone, its row replaced) when its text changes,
    /// and `down --to 0` forgets it so the next `up` runs it again.
    public static func repeatableRunsAgainWhenChanged(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let numbered = try await standardMigrations()
            let first = try await run(db, .up(to: nil), numbered + [repeatableView("41")])
            #expect(first.steps.map(\.version.digits) == ["0001", "0002", "0003", "R__answers"])
            #expect(try await answer(db) == "41")
            #expect(try await run(db, .up(to: nil), numbered + [repeatableView("41")]).steps.isEmpty)

            let changed = repeatableView("42")
            let second = try await run(db, .up(to: nil), numbered + [changed])
            #expect(second.steps.map(\.version.digits) == ["R__answers"])
            #expect(try await answer(db) == "42")
            let rows = try await history(db).filter { $0.version == "R__answers" }
            #expect(rows.map(\.checksum) == [changed.checksum])
            #expect(try await events(db).map(\.summary).suffix(2) == ["R__answers up ok", "R__answers up ok"])

            let down = try await run(db, .down(steps: 1, to: try v("0")), numbered + [changed])
            #expect(down.steps.map(\.version.digits) == ["R__answers", "0003", "0002", "0001"])
            #expect(try await history(db).isEmpty)
            let again = try await run(db, .up(to: nil), numbered + [changed])
            #expect(again.steps.map(\.version.digits) == ["0001", "0002", "0003", "R__answers"])
            #expect(try await answer(db) == "42")
        }
    }

    /// A fresh database runs the baseline and what follows; one that ran the original migrations treats the baseline
    /// as applied, shows the squashed rows as archived, and runs only what follows.
    public static func baselineStartsFreshDatabases(_ make: DriverTestFactory) async throws {
        let baseline = """
            -- strata:up
            -- strata:baseline
            CREATE TABLE users (id integer primary key, email text not null);
            CREATE TABLE posts (id integer primary key, user_id integer, title text);
            """
        let squashed = try await migrations([
            "0002_baseline.sql": baseline,
            "0003_create_tags.sql": standardFiles["0003_create_tags.sql"] ?? "",
        ])
        try await DriverTestDatabase.with(make) { db in
            let report = try await run(db, .up(to: nil), squashed)
            #expect(report.steps.map(\.version.digits) == ["0002", "0003"])
            #expect(try await userTables(db) == ["posts", "tags", "users"])
            #expect(try await history(db).map(\.version) == ["0002", "0003"])
        }
        try await DriverTestDatabase.with(make) { db in
            try await run(db, .up(to: try v("2")), try await standardMigrations())
            let (_, statuses) = try await migrator(db).status(migrations: squashed)
            #expect(statuses.map { "\($0.version.digits) \($0.state.rawValue)" } == ["0001 archived", "0002 applied", "0003 pending"])
            let report = try await run(db, .up(to: nil), squashed)
            #expect(report.steps.map(\.version.digits) == ["0003"])
            #expect(try await userTables(db) == ["posts", "tags", "users"])
        }
        try await DriverTestDatabase.with(make) { db in
            try await run(db, .up(to: try v("1")), try await standardMigrations())
            await #expect(throws: PlanError.self) { try await run(db, .up(to: nil), squashed) }
            #expect(try await userTables(db) == ["users"])
        }
    }
}
