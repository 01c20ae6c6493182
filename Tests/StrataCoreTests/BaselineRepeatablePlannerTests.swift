// Planner and status with baselines (`-- strata:baseline`, Flyway's B files, `strata squash`) and repeatable
// migrations (Flyway's R__ files): which run on a fresh database, which on an existing one, and what status says.

import Foundation
import Testing
@testable import StrataCore

/// A baseline migration: its up section carries `-- strata:baseline`.
private func pureBaseline(_ v: String) throws -> Migration {
    var m = try makeMigration(v, "baseline", up: "CREATE TABLE everything (id int);", down: nil)
    m.up.directives.baseline = true
    return m
}

/// A numbered migration that also has a baseline form (Flyway's `V3` next to `B3`).
private func withBaselineForm(_ v: String) throws -> Migration {
    var m = try makeMigration(v)
    m.baselineUp = MigrationScript(file: "B\(v)__base.sql", text: "CREATE TABLE b\(v) (id int);", statements: [SQLStatement(sql: "CREATE TABLE b\(v) (id int);", line: 1, column: 1)],
                                   directives: SectionDirectives(baseline: true))
    return m
}

private func repeatable(_ name: String, _ text: String = "CREATE VIEW v AS SELECT 1;") -> Migration {
    Migration(version: MigrationVersion(repeatable: name), name: name,
              up: MigrationScript(file: "R__\(name).sql", text: text, statements: [SQLStatement(sql: text, line: 1, column: 1)]),
              down: nil, verify: nil, files: ["R__\(name).sql"])
}

private func steps(_ plan: MigrationPlan) -> [String] {
    plan.steps.map { "\($0.direction.rawValue) \($0.migration.version.digits)" }
}

private func states(_ migrations: [Migration], _ applied: [AppliedMigration]) -> [String] {
    MigrationStatus.compute(migrations: migrations, applied: applied).map { "\($0.version.digits) \($0.state.rawValue)" }
}

struct BaselinePlannerTests {
    @Test func freshDatabaseRunsTheBaselineAndWhatFollows() throws {
        let files = [try makeMigration("1"), try makeMigration("2"), try pureBaseline("3"), try makeMigration("4")]
        let plan = try Planner.plan(migrations: files, applied: [], request: .up(to: nil))
        #expect(steps(plan) == ["up 3", "up 4"])
        #expect(plan.steps.first?.migration.isPureBaseline == true)
        #expect(states(files, []) == ["1 covered", "2 covered", "3 pending", "4 pending"])
        // Once the baseline ran, the versions it covers stay covered and are never planned.
        let applied = [appliedRow(files[2]), appliedRow(files[3])]
        #expect(states(files, applied) == ["1 covered", "2 covered", "3 applied", "4 applied"])
        #expect(try Planner.plan(migrations: files, applied: applied, request: .up(to: nil)).steps.isEmpty)
    }

    @Test func targetBelowTheBaselineRunsTheNumberedMigrations() throws {
        let files = [try makeMigration("1"), try makeMigration("2"), try pureBaseline("3"), try makeMigration("4")]
        #expect(steps(try Planner.plan(migrations: files, applied: [], request: .up(to: try version("2")))) == ["up 1", "up 2"])
    }

    @Test func existingDatabaseIgnoresABaselineItDidNotStartFrom() throws {
        let files = [try makeMigration("1"), try makeMigration("2"), try pureBaseline("3"), try makeMigration("4")]
        // Past the baseline: the baseline is covered, only 4 runs.
        let past = [appliedRow(files[0]), appliedRow(files[1])]
        #expect(states(files, past) == ["1 applied", "2 applied", "3 covered", "4 pending"])
        #expect(steps(try Planner.plan(migrations: files, applied: past, request: .up(to: nil))) == ["up 4"])
    }

    @Test func squashedHistoryIsArchivedNotMissing() throws {
        // `strata squash --through 3`: files 1–3 moved away, 3 is now the baseline; the database ran the originals.
        let original3 = try makeMigration("3", "original")
        let files = [try pureBaseline("3"), try makeMigration("4")]
        let applied = [try orphanRow("1"), try orphanRow("2"), appliedRow(original3)]
        #expect(states(files, applied) == ["1 archived", "2 archived", "3 applied", "4 pending"])
        #expect(steps(try Planner.plan(migrations: files, applied: applied, request: .up(to: nil))) == ["up 4"])
        // Reverting into the squashed range is refused: the files are gone.
        let applied4 = applied + [appliedRow(files[1])]
        #expect(steps(try Planner.plan(migrations: files, applied: applied4, request: .down(steps: 1, to: nil))) == ["down 4"])
        #expect(throws: PlanError.self) { try Planner.plan(migrations: files, applied: applied4, request: .down(steps: 3, to: nil)) }
    }

    @Test func databaseBehindASquashedBaselineIsRefused() throws {
        let files = [try pureBaseline("3"), try makeMigration("4")]
        let applied = [try orphanRow("1")]
        do {
            _ = try Planner.plan(migrations: files, applied: applied, request: .up(to: nil))
            Issue.record("expected behindBaseline")
        } catch {
            guard case .behindBaseline(let b, _, let current, _) = error else { Issue.record("got \(error)"); return }
            #expect(b.digits == "3" && current.digits == "1")
            expectContains(error.description, ["version 1", "baseline 3", "strata up --dir migrations/archive --to 3"])
        }
    }

    @Test func baselineFormNextToANumberedMigration() throws {
        // Flyway: V1, V2, V3 and B3 (standing for 1–3), then V4.
        let files = [try makeMigration("1"), try makeMigration("2"), try withBaselineForm("3"), try makeMigration("4")]
        let fresh = try Planner.plan(migrations: files, applied: [], request: .up(to: nil))
        #expect(steps(fresh) == ["up 3", "up 4"])
        #expect(fresh.steps.first?.migration.up.file == "B3__base.sql")
        // A database at 2 runs V3 itself (not the baseline), then 4.
        let at2 = [appliedRow(files[0]), appliedRow(files[1])]
        #expect(states(files, at2) == ["1 applied", "2 applied", "3 pending", "4 pending"])
        let plan = try Planner.plan(migrations: files, applied: at2, request: .up(to: nil))
        #expect(plan.steps.map(\.migration.up.file) == ["3_m.sql", "4_m.sql"])
        // Either form's checksum counts as applied; another is a changed file.
        let startedFromBaseline = AppliedMigration(version: try version("3"), name: "m", checksum: try #require(files[2].baselineChecksum), appliedAt: Date(),
                                                   durationMs: 1, appliedBy: "t", host: "h", strataVersion: "t")
        #expect(states(files, [startedFromBaseline]) == ["1 covered", "2 covered", "3 applied", "4 pending"])
        #expect(states(files, [appliedRow(files[2], checksum: String(repeating: "b", count: 64))]).contains("3 changed"))
        // A database that started from the baseline cannot be reverted past it.
        #expect(throws: PlanError.self) { try Planner.plan(migrations: files, applied: [startedFromBaseline], request: .down(steps: 1, to: nil)) }
    }
}

struct RepeatablePlannerTests {
    @Test func repeatablesRunAfterNumberedOnesAndAgainWhenChanged() throws {
        let files = [try makeMigration("1"), repeatable("views"), try makeMigration("2")]
        #expect(steps(try Planner.plan(migrations: files, applied: [], request: .up(to: nil))) == ["up 1", "up 2", "up R__views"])
        // With --to, repeatables wait for a full run.
        #expect(steps(try Planner.plan(migrations: files, applied: [], request: .up(to: try version("1")))) == ["up 1"])
        let all = files.map { appliedRow($0) }
        #expect(try Planner.plan(migrations: files, applied: all, request: .up(to: nil)).steps.isEmpty)
        // The view's file changed: it runs again, alone; not a checksum refusal.
        let edited = [files[0], repeatable("views", "CREATE VIEW v AS SELECT 2;"), files[2]]
        #expect(states(edited, all) == ["1 applied", "2 applied", "R__views pending"])
        #expect(steps(try Planner.plan(migrations: edited, applied: all, request: .up(to: nil))) == ["up R__views"])
    }

    @Test func newNumberedMigrationIsNotOutOfOrderAfterARepeatable() throws {
        let files = [try makeMigration("1"), repeatable("views"), try makeMigration("2")]
        let applied = [appliedRow(files[0]), appliedRow(files[1])]
        #expect(steps(try Planner.plan(migrations: files, applied: applied, request: .up(to: nil))) == ["up 2"])
    }

    @Test func downSkipsRepeatablesAndDownToZeroForgetsThem() throws {
        let files = [try makeMigration("1"), try makeMigration("2"), repeatable("views")]
        let applied = files.map { appliedRow($0) }
        #expect(steps(try Planner.plan(migrations: files, applied: applied, request: .down(steps: 1, to: nil))) == ["down 2"])
        let all = try Planner.plan(migrations: files, applied: applied, request: .down(steps: 1, to: try version("0")))
        #expect(steps(all) == ["down R__views", "down 2", "down 1"])
        #expect(all.steps.first?.migration.down?.statements.isEmpty == true)
    }
}

struct DottedVersionTests {
    @Test func dottedVersionsCompareByParts() throws {
        let texts = ["1", "1.1", "1.2", "1.10", "2", "2.0.1", "10"]
        let sorted = try texts.shuffled().map { try version($0) }.sorted().map(\.digits)
        #expect(sorted == texts)
        #expect(try version("1.0") == version("1"))
        #expect(try version("01.02").canonical == "1.2")
        #expect(MigrationVersion("1..2") == nil && MigrationVersion(".1") == nil && MigrationVersion("1.") == nil && MigrationVersion("1.-2") == nil)
    }

    @Test func repeatableVersionsSortLastAndRoundTrip() throws {
        let r = MigrationVersion(repeatable: "views")
        #expect(r.isRepeatable && r.digits == "R__views")
        #expect(try version("99999999999999") < r)
        #expect(MigrationVersion("R__views") == r)
        #expect(MigrationVersion(repeatable: "a") < MigrationVersion(repeatable: "b"))
        #expect(MigrationVersion("R__") == nil)
    }
}
