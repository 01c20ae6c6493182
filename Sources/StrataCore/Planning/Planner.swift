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
        // Looked up by binary search in version order: a dictionary of every migration cost more to build than a
        // no-op run over 10,000 spends on everything it looks up.
        let byVersion = VersionIndex(migrations)
        // Versions with a history row (repeatables apart: they are never reverted one by one).
        // (Lazily filtered throughout: copying 10,000 statuses to keep a handful costs more than the plan itself.)
        let appliedVersions = statuses.lazy.filter { $0.appliedChecksum != nil && !$0.version.isRepeatable }.map(\.version)

        switch request {
        case .up(let target):
            if statuses.contains(where: { $0.state == .changed }) { throw .checksumMismatch(statuses.filter { $0.state == .changed }) }
            if statuses.contains(where: { $0.state == .missing }) { throw .missingFiles(statuses.filter { $0.state == .missing }) }
            if let target, !target.isZero, byVersion[target] == nil { throw .unknownTarget(target) }
            let numberedApplied = appliedVersions
            // Repeatable migrations run after the numbered ones, on a full `up` only.
            let repeatables = target == nil ? Array(statuses.lazy.filter { $0.state == .pending && $0.version.isRepeatable }.map(\.version)) : []
            var pending: [MigrationVersion]
            if numberedApplied.isEmpty,
               let baseline = migrations.lazy.filter({ $0.isBaseline && within(target, $0.version) }).map(\.version).max() {
                // A fresh database starts from the newest baseline within reach and skips what it covers.
                pending = [baseline] + migrations.filter { !$0.isPureBaseline && !$0.isRepeatable && $0.version > baseline && within(target, $0.version) }.map(\.version).sorted()
                var steps = pending.compactMap { byVersion[$0] }.map { MigrationPlan.Step(migration: $0, direction: .up) }
                if let first = steps.first { steps[0] = .init(migration: first.migration.asBaseline(), direction: .up) }
                steps += repeatables.compactMap { byVersion[$0] }.map { .init(migration: $0, direction: .up) }
                return MigrationPlan(steps: steps)
            } else if numberedApplied.isEmpty {
                // A fresh database with no baseline within reach: every numbered migration up to the target.
                pending = migrations.filter { !$0.isPureBaseline && !$0.isRepeatable && within(target, $0.version) }.map(\.version).sorted()
            } else {
                pending = Array(statuses.lazy.filter { $0.state == .pending && !$0.version.isRepeatable && byVersion[$0.version]?.isPureBaseline != true }.map(\.version))
                if let target { pending = pending.filter { $0 <= target } }
                if let latest = numberedApplied.max() {
                    // A baseline the database has not reached, whose earlier files are gone (`strata squash` moved them
                    // to archive/, and the history names some of them): running later migrations would skip changes.
                    for i in statuses.indices where statuses[i].state == .covered && statuses[i].version > latest
                        && byVersion[statuses[i].version]?.isPureBaseline == true {
                        let b = statuses[i]
                        if statuses.contains(where: { $0.state == .archived && $0.version <= b.version }) {
                            throw .behindBaseline(baseline: b.version, name: b.name, current: latest, file: b.file)
                        }
                    }
                    if !policy.allowOutOfOrder {
                        let older = pending.filter { $0 < latest }
                        if !older.isEmpty { throw .outOfOrder(pending: older, latestApplied: latest) }
                    }
                }
            }
            pending += repeatables
            return MigrationPlan(steps: pending.compactMap { byVersion[$0] }.map { .init(migration: $0, direction: .up) })

        case .down(let steps, let target):
            let toRevert: [MigrationVersion]
            let newestFirst = Array(appliedVersions).sorted(by: >)
            if let target {
                if !target.isZero && !newestFirst.contains(target) && byVersion[target] == nil { throw .unknownTarget(target) }
                // `--to 0` means all, a migration numbered 0 included (diesel's 00000000000000_diesel_initial_setup, drizzle's 0000_…).
                toRevert = target.isZero ? newestFirst : newestFirst.filter { $0 > target }
            } else {
                guard steps >= 1 else { throw .badSteps(steps) }
                toRevert = Array(newestFirst.prefix(steps))
            }
            var down = try downSteps(toRevert, statuses: statuses, byVersion: byVersion)
            if target?.isZero == true {
                // Reverting everything forgets the repeatable migrations too (they have no down section; what they
                // made went with the tables), so the next `up` runs them again.
                for s in statuses.reversed() where s.version.isRepeatable && s.appliedChecksum != nil {
                    let m = byVersion[s.version] ?? Migration(version: s.version, name: s.name, up: MigrationScript(file: s.file ?? "", text: "", statements: []),
                                                              down: nil, verify: nil, files: [])
                    var forget = m
                    forget.down = MigrationScript(file: m.up.file, text: "", statements: [])
                    down.insert(.init(migration: forget, direction: .down), at: 0)
                }
            }
            return MigrationPlan(steps: down)

        case .redo(let steps):
            guard steps >= 1 else { throw .badSteps(steps) }
            let toRevert = Array(Array(appliedVersions).sorted(by: >).prefix(steps))
            let down = try downSteps(toRevert, statuses: statuses, byVersion: byVersion)
            let up = down.reversed().map { MigrationPlan.Step(migration: $0.migration, direction: .up) }
            return MigrationPlan(steps: down + up)
        }
    }

    private static func within(_ target: MigrationVersion?, _ version: MigrationVersion) -> Bool {
        guard let target else { return true }
        return version <= target
    }

    private static func downSteps(_ versions: [MigrationVersion], statuses: [MigrationStatus],
                                  byVersion: VersionIndex) throws(PlanError) -> [MigrationPlan.Step] {
        let set = Set(versions)
        let missing = statuses.filter { set.contains($0.version) && ($0.state == .missing || $0.state == .archived) }
        if !missing.isEmpty { throw .missingFiles(missing) }
        let changed = statuses.filter { set.contains($0.version) && $0.state == .changed }
        if !changed.isEmpty { throw .checksumMismatch(changed) }
        var steps: [MigrationPlan.Step] = []
        for v in versions {
            guard let m = byVersion[v] else { continue }
            guard m.down != nil else { throw .noDownSection(version: v, file: m.up.file) }
            // Started from its baseline form: the down section undoes only the migration itself, not what the baseline stands for.
            if let b = m.baselineUp, statuses.first(where: { $0.version == v })?.appliedChecksum == m.baselineChecksum {
                throw .noDownSection(version: v, file: b.file)
            }
            steps.append(.init(migration: m, direction: .down))
        }
        return steps
    }
}

/// Migrations found by version with a binary search (the list is sorted once, when it is not already).
struct VersionIndex {
    let sorted: [Migration]

    init(_ migrations: [Migration]) {
        sorted = migrations.inVersionOrder()
    }

    subscript(_ version: MigrationVersion) -> Migration? {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid].version < version { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low].version == version ? sorted[low] : nil
    }
}
