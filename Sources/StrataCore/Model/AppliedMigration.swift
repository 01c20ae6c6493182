import Foundation

/// The state of a row in the history table.
public enum AppliedState: String, Sendable, Codable, Hashable {
    case applied
    /// A `no-transaction` migration failed part-way; the row records the failed statement.
    case dirty
}

/// A row of the `strata_migrations` history table.
public struct AppliedMigration: Sendable, Hashable, Codable {
    public var version: MigrationVersion
    public var name: String
    public var checksum: String
    public var appliedAt: Date
    public var durationMs: Int64
    public var appliedBy: String
    public var host: String
    public var strataVersion: String
    public var state: AppliedState
    /// 1-based index of the statement that failed (dirty rows only).
    public var failedStatement: Int?
    /// Which section was running when it failed (dirty rows only).
    public var failedDirection: MigrationDirection?

    public init(version: MigrationVersion, name: String, checksum: String, appliedAt: Date, durationMs: Int64,
                appliedBy: String, host: String, strataVersion: String, state: AppliedState = .applied, failedStatement: Int? = nil,
                failedDirection: MigrationDirection? = nil) {
        self.version = version
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
        self.durationMs = durationMs
        self.appliedBy = appliedBy
        self.host = host
        self.strataVersion = strataVersion
        self.state = state
        self.failedStatement = failedStatement
        self.failedDirection = failedDirection
    }
}

/// A row of the `strata_events` audit log.
public struct MigrationEvent: Sendable, Hashable, Codable {
    public enum Direction: String, Sendable, Codable { case up, down, baseline, repair, backup, restore, markApplied = "mark-applied", acceptChecksum = "accept-checksum", adopted }
    public enum Outcome: String, Sendable, Codable { case ok, failed, rolledBack = "rolled_back" }
    public var runID: String
    public var version: MigrationVersion?
    public var direction: Direction
    public var outcome: Outcome
    public var startedAt: Date
    public var finishedAt: Date
    public var error: String?
    public var environment: String?
    public var host: String
    public var user: String

    public init(runID: String, version: MigrationVersion?, direction: Direction, outcome: Outcome, startedAt: Date, finishedAt: Date,
                error: String? = nil, environment: String?, host: String, user: String) {
        self.runID = runID
        self.version = version
        self.direction = direction
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.environment = environment
        self.host = host
        self.user = user
    }
}
