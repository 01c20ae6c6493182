// Planner: what a run does for each request, and every refusal with a message that says what to do.

import Testing
@testable import StrataCore

/// A scenario: migrations in the directory and which of them are applied.
private struct Scenario {
    var migrations: [Migration]
    var applied: [AppliedMigration]

    /// Versions `files` in the directory (all with down sections); `applied` of them applied with matching checksums.
    init(files: [String], applied: [String]) throws {
        migrations = try files.map { try makeMigration($0) }
        let byDigits = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version.digits, $0) })
        self.applied = try applied.map { v in appliedRow(try #require(byDigits[v], "\(v) is not among the files")) }
    }

    func plan(_ request: PlanRequest, policy: PlanPolicy = .init()) throws(PlanError) -> MigrationPlan {
        try Planner.plan(migrations: migrations, applied: applied, request: request, policy: policy)
    }
}

/// `"up 0002"`-style labels for a plan's steps.
private func labels(_ plan: MigrationPlan) -> [String] {
    plan.steps.map { "\($0.direction.rawValue) \($0.migration.version.digits)" }
}

/// The PlanError thrown by `body`, or a recorded failure.
private func planError(_ body: () throws(PlanError) -> MigrationPlan, sourceLocation: SourceLocation = #_sourceLocation) -> PlanError? {
    do {
        let plan = try body()
        Issue.record("expected a PlanError, got plan \(labels(plan))", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

struct PlannerTests {
    static let three = ["0001", "0002", "0003"]

    @Test("up, down and redo plans", arguments: [
        // (applied, request, expected steps)
        ([String](), PlanRequest.up(to: nil), ["up 0001", "up 0002", "up 0003"]),
        (["0001"], .up(to: nil), ["up 0002", "up 0003"]),
        (["0001", "0002", "0003"], .up(to: nil), []),
        ([], .up(to: MigrationVersion("0002")), ["up 0001", "up 0002"]),
        ([], .up(to: MigrationVersion("2")), ["up 0001", "up 0002"]),
        (["0001"], .up(to: MigrationVersion("0001")), []),
        ([], .up(to: MigrationVersion("0")), []),
        (["0001", "0002", "0003"], .down(steps: 1, to: nil), ["down 0003"]),
        (["0001", "0002", "0003"], .down(steps: 2, to: nil), ["down 0003", "down 0002"]),
        (["0001", "0002", "0003"], .down(steps: 10, to: nil), ["down 0003", "down 0002", "down 0001"]),
        (["0001", "0002"], .down(steps: 1, to: nil), ["down 0002"]),
        ([], .down(steps: 1, to: nil), []),
        (["0001", "0002", "0003"], .down(steps: 1, to: MigrationVersion("0001")), ["down 0003", "down 0002"]),
        (["0001", "0002", "0003"], .down(steps: 1, to: MigrationVersion("0003")), []),
        (["0001", "0002", "0003"], .down(steps: 1, to: MigrationVersion("0")), ["down 0003", "down 0002", "down 0001"]),
        (["0001", "0002"], .down(steps: 1, to: MigrationVersion("0003")), []),
        (["0001", "0002", "0003"], .redo(steps: 1), ["down 0003", "up 0003"]),
        (["0001", "0002", "0003"], .redo(steps: 2), ["down 0003", "down 0002", "up 0002", "up 0003"]),
        (["0001"], .redo(steps: 5), ["down 0001", "up 0001"]),
        ([], .redo(steps: 1), []),
    ])
    func plans(applied: [String], request: PlanRequest, expected: [String]) throws {
        let plan = try Scenario(files: Self.three, applied: applied).plan(request)
        #expect(labels(plan) == expected)
        #expect(plan.isEmpty == expected.isEmpty)
    }

    @Test func ordersNumericallyWhateverTheInputOrder() throws {
        let s = try Scenario(files: ["10", "0002", "9", "100"], applied: [])
        #expect(labels(try s.plan(.up(to: nil))) == ["up 0002", "up 9", "up 10", "up 100"])
        let all = try Scenario(files: ["10", "0002", "9", "100"], applied: ["10", "0002", "9", "100"])
        #expect(labels(try all.plan(.down(steps: 3, to: nil))) == ["down 100", "down 10", "down 9"])
    }

    @Test func stepsRunTheRightSection() throws {
        let s = try Scenario(files: ["0001"], applied: ["0001"])
        let plan = try s.plan(.redo(steps: 1))
        #expect(plan.steps.map(\.script.text) == ["SELECT 'down';", "SELECT '0001 up';"])
    }

    @Test("an unknown target is refused", arguments: [
        PlanRequest.up(to: MigrationVersion("0007")),
        .down(steps: 1, to: MigrationVersion("0007")),
    ])
    func unknownTarget(request: PlanRequest) throws {
        let s = try Scenario(files: Self.three, applied: ["0001"])
        let error = try #require(planError { () throws(PlanError) in try s.plan(request) })
        #expect(error == .unknownTarget(try version("0007")))
        expectContains(error.description, ["0007", "strata status"])
    }

    @Test("steps below 1 are refused", arguments: [PlanRequest.down(steps: 0, to: nil), .down(steps: -1, to: nil), .redo(steps: 0)])
    func badSteps(request: PlanRequest) throws {
        let s = try Scenario(files: Self.three, applied: ["0001"])
        let error = try #require(planError { () throws(PlanError) in try s.plan(request) })
        expectContains(error.description, ["--steps", "at least 1"])
    }

    @Test func outOfOrderIsRefusedByDefault() throws {
        let s = try Scenario(files: ["0001", "0002", "0003", "0004"], applied: ["0001", "0003"])
        let error = try #require(planError { () throws(PlanError) in try s.plan(.up(to: nil)) })
        #expect(error == .outOfOrder(pending: [try version("0002")], latestApplied: try version("0003")))
        expectContains(error.description, ["0002", "older than the latest applied migration 0003", "--allow-out-of-order"])
    }

    @Test func outOfOrderIsRefusedEvenWhenTargetingIt() throws {
        let s = try Scenario(files: ["0001", "0002", "0003"], applied: ["0001", "0003"])
        let error = try #require(planError { () throws(PlanError) in try s.plan(.up(to: MigrationVersion("0002"))) })
        expectContains(error.description, ["0002", "0003"])
    }

    @Test func outOfOrderRunsWhenAllowed() throws {
        let s = try Scenario(files: ["0001", "0002", "0003", "0004"], applied: ["0001", "0003"])
        let plan = try s.plan(.up(to: nil), policy: PlanPolicy(allowOutOfOrder: true))
        #expect(labels(plan) == ["up 0002", "up 0004"])
        // Newer pending migrations alone are never out of order.
        let newer = try Scenario(files: ["0001", "0002", "0003", "0004"], applied: ["0001", "0002", "0003"])
        #expect(labels(try newer.plan(.up(to: nil))) == ["up 0004"])
    }

    @Test("a changed applied migration is refused for every request", arguments: [
        PlanRequest.up(to: nil), .down(steps: 1, to: nil), .redo(steps: 1),
    ])
    func changedChecksum(request: PlanRequest) throws {
        var s = try Scenario(files: Self.three, applied: ["0001", "0002", "0003"])
        s.applied[2].checksum = Checksum.of("the SQL as it was applied")
        let error = try #require(planError { () throws(PlanError) in try s.plan(request) })
        guard case .checksumMismatch(let items) = error else {
            Issue.record("expected checksumMismatch, got \(error)")
            return
        }
        #expect(items.map(\.version.digits) == ["0003"])
        expectContains(error.description, ["0003", "0003_m.sql", "edited after being applied", "strata repair --accept-checksum",
                                           String(Checksum.of("the SQL as it was applied").prefix(12))])
    }

    @Test func changedMigrationOutsideTheDownRangeDoesNotBlockDown() throws {
        var s = try Scenario(files: Self.three, applied: ["0001", "0002", "0003"])
        s.applied[0].checksum = Checksum.of("old")
        #expect(labels(try s.plan(.down(steps: 1, to: nil))) == ["down 0003"])
    }

    @Test("an applied migration without a file is refused", arguments: [
        PlanRequest.up(to: nil), .down(steps: 1, to: nil), .down(steps: 1, to: MigrationVersion("0")),
    ])
    func missingFile(request: PlanRequest) throws {
        var s = try Scenario(files: ["0001", "0002"], applied: ["0001", "0002"])
        s.applied.append(try orphanRow("0003", name: "vanished"))
        let error = try #require(planError { () throws(PlanError) in try s.plan(request) })
        guard case .missingFiles(let items) = error else {
            Issue.record("expected missingFiles, got \(error)")
            return
        }
        #expect(items.map(\.version.digits) == ["0003"])
        expectContains(error.description, ["0003", "vanished", "no file", "--dir"])
    }

    @Test("a dirty migration blocks every request", arguments: [
        PlanRequest.up(to: nil), .down(steps: 1, to: nil), .redo(steps: 1),
    ])
    func dirty(request: PlanRequest) throws {
        var s = try Scenario(files: Self.three, applied: ["0001", "0002"])
        s.applied[1].state = .dirty
        s.applied[1].failedStatement = 3
        let error = try #require(planError { () throws(PlanError) in try s.plan(request) })
        guard case .dirty(let v, _, let failed, _, let file) = error else {
            Issue.record("expected dirty, got \(error)")
            return
        }
        #expect(v.digits == "0002")
        #expect(failed == 3)
        #expect(file == "0002_m.sql")
        expectContains(error.description, ["0002", "dirty", "statement 3 of its up section failed", "0002_m.sql",
                                           "strata repair 0002 --as applied", "strata repair 0002 --as pending"])
    }

    @Test func dirtyWithoutAStatementStillSaysWhatToDo() throws {
        var s = try Scenario(files: Self.three, applied: ["0001"])
        s.applied[0].state = .dirty
        let error = try #require(planError { () throws(PlanError) in try s.plan(.up(to: nil)) })
        expectContains(error.description, ["0001", "did not finish", "strata repair 0001"])
    }

    @Test("reverting a migration without a down section is refused", arguments: [
        PlanRequest.down(steps: 1, to: nil), .down(steps: 1, to: MigrationVersion("0")), .redo(steps: 1),
    ])
    func noDownSection(request: PlanRequest) throws {
        let migrations = [try makeMigration("0001"), try makeMigration("0002", "irreversible", down: nil)]
        let applied = migrations.map { appliedRow($0) }
        let error = try #require(planError { () throws(PlanError) in
            try Planner.plan(migrations: migrations, applied: applied, request: request)
        })
        #expect(error == .noDownSection(version: try version("0002"), file: "0002_irreversible.sql"))
        expectContains(error.description, ["0002", "no down section", "0002_irreversible.sql", "strata:down"])
    }

    @Test func downStopsBeforeAMigrationWithoutDownWhenNotReached() throws {
        let migrations = [try makeMigration("0001", down: nil), try makeMigration("0002")]
        let plan = try Planner.plan(migrations: migrations, applied: migrations.map { appliedRow($0) },
                                    request: .down(steps: 1, to: nil))
        #expect(labels(plan) == ["down 0002"])
    }
}
