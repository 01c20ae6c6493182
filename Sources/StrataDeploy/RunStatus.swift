import Foundation
import StrataCore

/// Where a run is: what `status` says in its status file.
public enum RunState: String, Sendable, Codable, CaseIterable {
    /// The run is going (its process writes a heartbeat every few seconds).
    case running
    /// The run finished with exit code 0.
    case completed
    /// The run finished with a non-zero exit code; `message` says why.
    case failed
    /// The run's process is gone, or its heartbeat stopped, while the file still said `running`.
    case crashed

    public var isFinished: Bool { self != .running }
}

/// One migration a run applied (or reverted).
public struct RunStatusStep: Sendable, Codable, Hashable {
    public var version: String
    public var name: String
    /// `up` or `down`.
    public var direction: String
    public var durationMs: Int64

    public init(version: String, name: String, direction: String, durationMs: Int64) {
        self.version = version
        self.name = name
        self.direction = direction
        self.durationMs = durationMs
    }

    enum CodingKeys: String, CodingKey {
        case version, name, direction
        case durationMs = "duration_ms"
    }
}

/// The content of a status file, `<state_dir>/<environment>.json`.
///
/// The SOAR status file's fields (`status`, `environment`, `timestamp`, `log_file`, `message`, `exit_code`) keep
/// their names; every key is always present (`null` when unknown), so readers need no guessing.
///
/// ```json
/// {"status": "running", "environment": "staging", "run_id": "20261123T140501-1a2b3c4d", "pid": 4242, …}
/// ```
public struct RunStatus: Sendable, Codable, Hashable {
    public var status: RunState
    public var environment: String
    public var runID: String
    /// The process doing the run (the detached runner, or the foreground `strata`).
    public var pid: Int32
    public var host: String
    public var user: String
    /// When `status` last changed: the start, the end, or when a crash was noticed.
    public var timestamp: Date
    public var startedAt: Date
    /// The last write; a running run rewrites the file at least every 5 s (its heartbeat).
    public var updatedAt: Date
    /// The run's log, for detached runs; null for foreground runs (their output went to the terminal or journal).
    public var logFile: String?
    public var message: String
    /// Set when the run has finished: 0 for `completed`, the `strata` exit code for `failed`; null while running or crashed.
    public var exitCode: Int32?
    /// The database's version before and after the run, set when the run ends (null while running).
    public var fromVersion: String?
    public var toVersion: String?
    /// The migration being applied now, `<version>_<name>` (null between migrations).
    public var currentMigration: String?
    /// How many migrations the plan holds (null until planned).
    public var planned: Int?
    /// The migrations this run has applied or reverted so far, in order.
    public var applied: [RunStatusStep]
    /// The command line, secrets redacted.
    public var command: String
    /// The database, as Strata displays it (no password).
    public var database: String?
    /// Whether the run was started with `--detach` / `strata job start`.
    public var detached: Bool

    public init(status: RunState, environment: String, runID: String, pid: Int32, host: String, user: String,
                startedAt: Date, command: String, logFile: String? = nil, message: String = "", detached: Bool = false) {
        self.status = status
        self.environment = environment
        self.runID = runID
        self.pid = pid
        self.host = host
        self.user = user
        self.timestamp = startedAt
        self.startedAt = startedAt
        self.updatedAt = startedAt
        self.logFile = logFile
        self.message = message
        self.applied = []
        self.command = command
        self.detached = detached
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case status, environment, pid, host, user, timestamp, message, applied, planned, command, database, detached
        case runID = "run_id"
        case startedAt = "started_at"
        case updatedAt = "updated_at"
        case logFile = "log_file"
        case exitCode = "exit_code"
        case fromVersion = "from_version"
        case toVersion = "to_version"
        case currentMigration = "current_migration"
    }

    /// Every key a status file holds.
    public static var keys: [String] { CodingKeys.allCases.map(\.stringValue).sorted() }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(environment, forKey: .environment)
        try c.encode(runID, forKey: .runID)
        try c.encode(pid, forKey: .pid)
        try c.encode(host, forKey: .host)
        try c.encode(user, forKey: .user)
        try c.encode(Timestamps.format(timestamp), forKey: .timestamp)
        try c.encode(Timestamps.format(startedAt), forKey: .startedAt)
        try c.encode(Timestamps.format(updatedAt), forKey: .updatedAt)
        // Optionals are written as null, never left out: the shape is the same in every state.
        try c.encode(logFile, forKey: .logFile)
        try c.encode(message, forKey: .message)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(fromVersion, forKey: .fromVersion)
        try c.encode(toVersion, forKey: .toVersion)
        try c.encode(currentMigration, forKey: .currentMigration)
        try c.encode(planned, forKey: .planned)
        try c.encode(applied, forKey: .applied)
        try c.encode(command, forKey: .command)
        try c.encode(database, forKey: .database)
        try c.encode(detached, forKey: .detached)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func date(_ key: CodingKeys) throws -> Date {
            let text = try c.decode(String.self, forKey: key)
            guard let d = Timestamps.parse(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not an ISO-8601 timestamp: \(text)")
            }
            return d
        }
        status = try c.decode(RunState.self, forKey: .status)
        environment = try c.decode(String.self, forKey: .environment)
        runID = try c.decode(String.self, forKey: .runID)
        pid = try c.decode(Int32.self, forKey: .pid)
        host = try c.decode(String.self, forKey: .host)
        user = try c.decodeIfPresent(String.self, forKey: .user) ?? ""
        timestamp = try date(.timestamp)
        startedAt = try date(.startedAt)
        updatedAt = try date(.updatedAt)
        logFile = try c.decodeIfPresent(String.self, forKey: .logFile)
        message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
        exitCode = try c.decodeIfPresent(Int32.self, forKey: .exitCode)
        fromVersion = try c.decodeIfPresent(String.self, forKey: .fromVersion)
        toVersion = try c.decodeIfPresent(String.self, forKey: .toVersion)
        currentMigration = try c.decodeIfPresent(String.self, forKey: .currentMigration)
        planned = try c.decodeIfPresent(Int.self, forKey: .planned)
        applied = try c.decodeIfPresent([RunStatusStep].self, forKey: .applied) ?? []
        command = try c.decodeIfPresent(String.self, forKey: .command) ?? ""
        database = try c.decodeIfPresent(String.self, forKey: .database)
        detached = try c.decodeIfPresent(Bool.self, forKey: .detached) ?? false
    }

    /// The file's bytes: pretty-printed JSON with sorted keys and a final newline.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    public static func decode(_ data: Data) throws -> RunStatus {
        try JSONDecoder().decode(RunStatus.self, from: data)
    }

    /// A copy with the free-text fields passed through `redactor`.
    public func redacted(by redactor: Redactor) -> RunStatus {
        var copy = self
        copy.message = redactor.redact(message)
        copy.command = redactor.redact(command)
        copy.database = database.map { redactor.redact($0) }
        return copy
    }
}
