import Foundation

/// Which way a step goes.
public enum MigrationDirection: String, Sendable, Codable, Hashable { case up, down }

/// What a run will do, in order. Built by ``Planner``; nothing in it touches a database.
public struct MigrationPlan: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        public var migration: Migration
        public var direction: MigrationDirection
        /// The section to run: up for `.up`, down for `.down`.
        public var script: MigrationScript {
            direction == .up ? migration.up : (migration.down ?? MigrationScript(file: migration.up.file, text: "", statements: []))
        }
    }
    public var steps: [Step]
    public var isEmpty: Bool { steps.isEmpty }
    public init(steps: [Step]) { self.steps = steps }
}

/// What the user asked for.
public enum PlanRequest: Sendable, Hashable {
    /// Apply pending migrations, all or up to and including `to`.
    case up(to: MigrationVersion?)
    /// Revert the latest `steps` applied migrations, or every one above `to` (`to` 0 reverts everything).
    case down(steps: Int, to: MigrationVersion?)
    /// Revert then re-apply the latest `steps` applied migrations.
    case redo(steps: Int)
}

/// Rules the planner applies.
public struct PlanPolicy: Sendable, Hashable {
    /// Apply pending migrations older than the latest applied one instead of refusing.
    public var allowOutOfOrder: Bool
    public init(allowOutOfOrder: Bool = false) { self.allowOutOfOrder = allowOutOfOrder }
}

/// What to run after fixing a dirty migration by hand, which depends on the section that failed.
public enum RepairAdvice {
    public static func text(version: MigrationVersion, direction: MigrationDirection) -> String {
        let v = version.digits
        switch direction {
        case .up:
            return "`strata repair \(v) --as applied` if you completed the migration, or `strata repair \(v) --as pending` if you undid its partial changes."
        case .down:
            return "`strata repair \(v) --as pending` if you completed the revert (the migration is then not applied), or `strata repair \(v) --as applied` if you restored what the revert had removed."
        }
    }
}

/// Why a plan cannot be made. Each case's description says what to do next.
public enum PlanError: Error, Sendable, Hashable, CustomStringConvertible {
    case dirty(version: MigrationVersion, name: String, failedStatement: Int?, direction: MigrationDirection?, file: String?)
    case checksumMismatch([MigrationStatus])
    case missingFiles([MigrationStatus])
    case outOfOrder(pending: [MigrationVersion], latestApplied: MigrationVersion)
    case unknownTarget(MigrationVersion)
    case noDownSection(version: MigrationVersion, file: String)
    case badSteps(Int)
    /// The database is older than a baseline whose covered files are no longer in the directory.
    case behindBaseline(baseline: MigrationVersion, name: String, current: MigrationVersion, file: String?)

    public var description: String {
        switch self {
        case let .dirty(version, name, failed, direction, file):
            let what = failed.map { "statement \($0) of its \((direction ?? .up).rawValue) section failed" } ?? "it did not finish"
            return """
            migration \(version.digits) \(name) is dirty: it runs outside a transaction and \(what)\(file.map { " (\($0))" } ?? ""), so the database may hold part of it.
            Fix the database by hand, then: \(RepairAdvice.text(version: version, direction: direction ?? .up))
            """
        case let .checksumMismatch(items):
            let list = items.map { "  \($0.version.digits) \($0.name) (\($0.file ?? "?")): applied with checksum \(($0.appliedChecksum ?? "").prefix(12))…, file now \(($0.checksum ?? "").prefix(12))…" }.joined(separator: "\n")
            return """
            \(items.count == 1 ? "an applied migration was" : "\(items.count) applied migrations were") edited after being applied:
            \(list)
            Restore the original file (git checkout), or put the change in a new migration. If the edit is intentional and harmless, accept it with `strata repair --accept-checksum VERSION`.
            """
        case let .behindBaseline(baseline, name, current, file):
            return """
            the database is at version \(current.digits), older than baseline \(baseline.digits) \(name)\(file.map { " (\($0))" } ?? ""), \
            and the migrations between them are not in the directory (squashed into the baseline). Bring the database to \
            \(baseline.digits) first with the archived files, e.g. `strata up --dir migrations/archive --to \(baseline.digits)`, then run `strata up` again.
            """
        case let .missingFiles(items):
            let list = items.map { "  \($0.version.digits) \($0.name)" }.joined(separator: "\n")
            return """
            \(items.count == 1 ? "an applied migration has" : "\(items.count) applied migrations have") no file in the migrations directory:
            \(list)
            Restore the files, or check that --dir points at the right directory.
            """
        case let .outOfOrder(pending, latest):
            return """
            pending migration\(pending.count == 1 ? "" : "s") \(pending.map(\.digits).joined(separator: ", ")) \(pending.count == 1 ? "is" : "are") older than the latest applied migration \(latest.digits).
            This usually means a branch merged an older migration. Rename it with a newer version, or apply it anyway with --allow-out-of-order.
            """
        case let .unknownTarget(v):
            return "no migration with version \(v.digits) in the directory or the history; run `strata status` to see the versions"
        case let .noDownSection(version, file):
            return "migration \(version.digits) has no down section (\(file)); it cannot be reverted. Add a `-- strata:down` section, or revert it by hand and remove its row with `strata repair`."
        case let .badSteps(n):
            return "--steps must be at least 1 (got \(n))"
        }
    }
}
