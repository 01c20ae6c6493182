import Foundation

/// The state of a row in the history table.
public enum AppliedState: String, Sendable, Codable, Hashable {
    case applied
    /// A `no-transaction` migration failed part-way; the row records the failed statement.
    case dirty
}

/// A row of the `strata_migrations` history table.
///
/// ```swift
/// if let version = MigrationVersion("0001") {
///     let row = AppliedMigration(version: version, name: "init", checksum: "…", appliedAt: Date(),
///                                durationMs: 12, appliedBy: "deploy", host: "ci-1", strataVersion: "1.0.0")
///     print(row.state)  // applied
/// }
/// ```
public struct AppliedMigration: Sendable, Hashable, Codable {
    /// The fields live in one immutable box: a history of 10,000 rows is then an array of 10,000 pointers, not of
    /// 10,000 values of 170 bytes (which, while the array grew as rows arrived, held 4 MB at its peak). A change
    /// replaces the box.
    private struct Fields: Hashable {
        var version: MigrationVersion, name: String, checksum: Checksum.Value, appliedAt: Date, durationMs: Int64
        var appliedBy: String, host: String, strataVersion: String, state: AppliedState
        var failedStatement: Int?, failedDirection: MigrationDirection?
    }
    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }
    private var storage: Box

    public init(version: MigrationVersion, name: String, checksum: String, appliedAt: Date, durationMs: Int64,
                appliedBy: String, host: String, strataVersion: String, state: AppliedState = .applied, failedStatement: Int? = nil,
                failedDirection: MigrationDirection? = nil) {
        storage = Box(Fields(version: version, name: name, checksum: Checksum.Value(checksum), appliedAt: appliedAt, durationMs: durationMs,
                             appliedBy: appliedBy, host: host, strataVersion: strataVersion, state: state, failedStatement: failedStatement,
                             failedDirection: failedDirection))
    }

    /// The fields, changed by `change`, in a new box.
    private mutating func update(_ change: (inout Fields) -> Void) {
        var f = storage.fields
        change(&f)
        storage = Box(f)
    }

    public var version: MigrationVersion {
        get { storage.fields.version }
        set { update { $0.version = newValue } }
    }
    public var name: String {
        get { storage.fields.name }
        set { update { $0.name = newValue } }
    }
    public var checksum: String {
        get { storage.fields.checksum.text }
        set { update { $0.checksum = Checksum.Value(newValue) } }
    }
    /// ``checksum`` as held (compared without building the text).
    public var checksumValue: Checksum.Value { storage.fields.checksum }
    public var appliedAt: Date {
        get { storage.fields.appliedAt }
        set { update { $0.appliedAt = newValue } }
    }
    public var durationMs: Int64 {
        get { storage.fields.durationMs }
        set { update { $0.durationMs = newValue } }
    }
    public var appliedBy: String {
        get { storage.fields.appliedBy }
        set { update { $0.appliedBy = newValue } }
    }
    public var host: String {
        get { storage.fields.host }
        set { update { $0.host = newValue } }
    }
    public var strataVersion: String {
        get { storage.fields.strataVersion }
        set { update { $0.strataVersion = newValue } }
    }
    public var state: AppliedState {
        get { storage.fields.state }
        set { update { $0.state = newValue } }
    }
    /// 1-based index of the statement that failed (dirty rows only).
    public var failedStatement: Int? {
        get { storage.fields.failedStatement }
        set { update { $0.failedStatement = newValue } }
    }
    /// Which section was running when it failed (dirty rows only).
    public var failedDirection: MigrationDirection? {
        get { storage.fields.failedDirection }
        set { update { $0.failedDirection = newValue } }
    }

    public static func == (a: AppliedMigration, b: AppliedMigration) -> Bool {
        a.storage === b.storage || a.storage.fields == b.storage.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.fields.version)
        hasher.combine(storage.fields.checksum)
        hasher.combine(storage.fields.appliedAt)
    }

    private enum CodingKeys: String, CodingKey {
        case version, name, checksum, appliedAt, durationMs, appliedBy, host, strataVersion, state, failedStatement, failedDirection
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(version: try c.decode(MigrationVersion.self, forKey: .version), name: try c.decode(String.self, forKey: .name),
                  checksum: try c.decode(String.self, forKey: .checksum), appliedAt: try c.decode(Date.self, forKey: .appliedAt),
                  durationMs: try c.decode(Int64.self, forKey: .durationMs), appliedBy: try c.decode(String.self, forKey: .appliedBy),
                  host: try c.decode(String.self, forKey: .host), strataVersion: try c.decode(String.self, forKey: .strataVersion),
                  state: try c.decode(AppliedState.self, forKey: .state),
                  failedStatement: try c.decodeIfPresent(Int.self, forKey: .failedStatement),
                  failedDirection: try c.decodeIfPresent(MigrationDirection.self, forKey: .failedDirection))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(name, forKey: .name)
        try c.encode(checksum, forKey: .checksum)
        try c.encode(appliedAt, forKey: .appliedAt)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encode(appliedBy, forKey: .appliedBy)
        try c.encode(host, forKey: .host)
        try c.encode(strataVersion, forKey: .strataVersion)
        try c.encode(state, forKey: .state)
        try c.encodeIfPresent(failedStatement, forKey: .failedStatement)
        try c.encodeIfPresent(failedDirection, forKey: .failedDirection)
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
