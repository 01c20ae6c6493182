import Foundation

/// Decides what a run does: a pure function of the files, the history and the request.
///
/// ```swift
/// let plan = try Planner.plan(migrations: files, applied: rows, request: .up(to: nil), policy: .init())
/// for step in plan.steps { print(step.direction, step.migration.label) }
/// ```
public enum Planner {
    public static func plan(migrations: [Migration], applied: [AppliedMigration], request: PlanRequest,
                            policy: PlanPolicy = .init()) throws(PlanError) -> MigrationPlan {
        let statuses = MigrationStatus.compute(migrations: migrations, applied: applied)
        if let dirty = statuses.first(where: { $0.state == .dirty }) {
            throw .dirty(version: dirty.version, name: dirty.name, failedStatement: dirty.failedStatement, direction: dirty.failedDirection, file: dirty.file)
        }
        let byVersion = Dictionary(migrations.map { ($0.version, $0) }, uniquingKeysWith: { a, _ in a })
        let appliedVersions = statuses.filter { $0.state != .pending }.map(\.version)

        switch request {
        case .up(let target):
            let changed = statuses.filter { $0.state == .changed }
            if !changed.isEmpty { throw .checksumMismatch(changed) }
            let missing = statuses.filter { $0.state == .missing }
            if !missing.isEmpty { throw .missingFiles(missing) }
            if let target, !target.isZero, byVersion[target] == nil { throw .unknownTarget(target) }
            var pending = statuses.filter { $0.state == .pending }.map(\.version)
            if let target { pending = pending.filter { $0 <= target } }
            if let latest = appliedVersions.max(), !policy.allowOutOfOrder {
                let older = pending.filter { $0 < latest }
                if !older.isEmpty { throw .outOfOrder(pending: older, latestApplied: latest) }
            }
            return MigrationPlan(steps: pending.compactMap { byVersion[$0] }.map { .init(migration: $0, direction: .up) })

        case .down(let steps, let target):
            let toRevert: [MigrationVersion]
            let newestFirst = appliedVersions.sorted(by: >)
            if let target {
                if !target.isZero && !appliedVersions.contains(target) && byVersion[target] == nil { throw .unknownTarget(target) }
                // `--to 0` means all, a migration numbered 0 included (diesel's 00000000000000_diesel_initial_setup, drizzle's 0000_…).
                toRevert = target.isZero ? newestFirst : newestFirst.filter { $0 > target }
            } else {
                guard steps >= 1 else { throw .badSteps(steps) }
                toRevert = Array(newestFirst.prefix(steps))
            }
            return MigrationPlan(steps: try downSteps(toRevert, statuses: statuses, byVersion: byVersion))

        case .redo(let steps):
            guard steps >= 1 else { throw .badSteps(steps) }
            let toRevert = Array(appliedVersions.sorted(by: >).prefix(steps))
            let down = try downSteps(toRevert, statuses: statuses, byVersion: byVersion)
            let up = down.reversed().map { MigrationPlan.Step(migration: $0.migration, direction: .up) }
            return MigrationPlan(steps: down + up)
        }
    }

    private static func downSteps(_ versions: [MigrationVersion], statuses: [MigrationStatus],
                                  byVersion: [MigrationVersion: Migration]) throws(PlanError) -> [MigrationPlan.Step] {
        let set = Set(versions)
        let missing = statuses.filter { set.contains($0.version) && $0.state == .missing }
        if !missing.isEmpty { throw .missingFiles(missing) }
        let changed = statuses.filter { set.contains($0.version) && $0.state == .changed }
        if !changed.isEmpty { throw .checksumMismatch(changed) }
        var steps: [MigrationPlan.Step] = []
        for v in versions {
            guard let m = byVersion[v] else { continue }
            guard m.down != nil else { throw .noDownSection(version: v, file: m.up.file) }
            steps.append(.init(migration: m, direction: .down))
        }
        return steps
    }
}
