import Foundation

/// Who and where a run is, recorded in the history and events.
public struct RunContext: Sendable {
    public var runID: String
    public var environment: String?
    public var host: String
    public var user: String
    public var strataVersion: String
    /// How to show migration file paths in messages (the migrations directory as the user named it).
    public var directoryDisplay: String
    /// Removes secrets from text Strata stores (events) or reports.
    public var redactor: Redactor = Redactor()

    public init(runID: String = RunContext.newRunID(), environment: String? = nil, host: String = RunContext.hostName(),
                user: String = RunContext.userName(), strataVersion: String, directoryDisplay: String = "migrations") {
        self.runID = runID
        self.environment = environment
        self.host = host
        self.user = user
        self.strataVersion = strataVersion
        self.directoryDisplay = directoryDisplay
    }

    /// A new run's id: the UTC time it started and 32 random bits, `20261202T170255-9f3a61c2`.
    ///
    /// The time comes from ``Timestamps/format(_:)``: Foundation's ISO 8601 style would load ICU's time-zone data for
    /// it, a millisecond of every run's start-up.
    public static func newRunID(now: Date = Date()) -> String {
        let stamp = Timestamps.format(now).prefix(19).filter { $0 != "-" && $0 != ":" }   // 2026-12-02T17:02:55.123Z
        return stamp + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }
    public static func hostName() -> String { ProcessInfo.processInfo.hostName }
    public static func userName() -> String {
        let env = ProcessInfo.processInfo.environment
        return env["USER"] ?? env["LOGNAME"] ?? NSUserName()
    }
}

/// How a run behaves.
public struct RunOptions: Sendable {
    /// Print the SQL, change nothing.
    public var dryRun = false
    /// Apply the whole plan in one transaction.
    public var singleTransaction = false
    public var statementTimeout: Duration?
    public var lockTimeout: Duration?
    public var lockWait: Duration = .seconds(60)
    public var policy = PlanPolicy()
    /// Send a transactional migration's statements and its history write as one statement where the dialect can
    /// (PostgreSQL: a `DO` block; one round trip per migration). Migrations with a statement timeout, and sections
    /// that manage transactions themselves, always run statement by statement.
    public var batchStatements = true
    /// Whether a migration batched in its own transaction checks deferred constraints before its history write
    /// (``SQLDialect/checkDeferredConstraints``): set for a run whose database or plan has deferrable constraints.
    var checkDeferred = false
    public init() {}
}

/// What a run reports while it goes.
public enum RunEvent: Sendable {
    case lockWaiting(LockHolder?)
    case lockAcquired
    case planned(MigrationPlan)
    case stepStarted(index: Int, total: Int, step: MigrationPlan.Step)
    case stepFinished(index: Int, total: Int, step: MigrationPlan.Step, duration: Duration)
    case stepFailed(index: Int, total: Int, step: MigrationPlan.Step, error: MigrationFailure)
    /// A statement `--dry-run` would run, in order.
    case dryRunSQL(String)
}

/// The summary of a run, as printed by `--json` and kept by later stages (reports, notifications).
public struct RunReport: Sendable, Codable {
    public struct Step: Sendable, Codable, Hashable {
        public var version: MigrationVersion
        public var name: String
        public var direction: MigrationDirection
        public var durationMs: Int64
        public var statements: Int
        public init(version: MigrationVersion, name: String, direction: MigrationDirection, durationMs: Int64, statements: Int) {
            self.version = version
            self.name = name
            self.direction = direction
            self.durationMs = durationMs
            self.statements = statements
        }
    }
    public enum Outcome: String, Sendable, Codable { case ok, failed, nothing, dryRun = "dry_run" }
    public var runID: String
    public var environment: String?
    public var database: String
    public var request: String
    public var outcome: Outcome
    public var startedAt: Date
    public var finishedAt: Date
    public var durationMs: Int64
    public var fromVersion: MigrationVersion?
    public var toVersion: MigrationVersion?
    public var steps: [Step]
    public var error: String?
    /// The SQL a dry run would execute.
    public var sql: [String]?

    public init(runID: String, environment: String?, database: String, request: String, outcome: Outcome, startedAt: Date, finishedAt: Date,
                durationMs: Int64, fromVersion: MigrationVersion?, toVersion: MigrationVersion?, steps: [Step], error: String?, sql: [String]? = nil) {
        self.runID = runID
        self.environment = environment
        self.database = database
        self.request = request
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.steps = steps
        self.error = error
        self.sql = sql
    }
}

/// A migration failed; the description names the file, line, statement and the server's message, and what state the database is in.
public struct MigrationFailure: Error, Sendable, CustomStringConvertible {
    public var version: MigrationVersion
    public var name: String
    public var direction: MigrationDirection
    public var file: String
    /// 1-based index of the failing statement, and how many there are.
    public var statementIndex: Int
    public var statementCount: Int
    public var line: Int
    public var sql: String
    public var cause: String
    public var sqlState: String?
    /// The run was interrupted (signal or timeout) rather than failing on its own.
    public var cancelled: Bool
    /// The failure was in the verify section.
    public var inVerify: Bool
    /// The migration ran outside a transaction and is now recorded as dirty.
    public var dirty: Bool
    /// Everything in the run was rolled back (`--single-transaction`).
    public var wholeRunRolledBack: Bool
    public var underlying: String?

    public var description: String {
        let what = inVerify ? "verify section of migration" : "migration"
        let head = cancelled ? "interrupted during \(what) \(version.digits) \(name)" : "\(what) \(version.digits) \(name) failed (\(direction.rawValue))"
        var s = "\(head)\n  at \(file):\(line), statement \(statementIndex) of \(statementCount):\n"
        let excerpt = sql.split(separator: "\n", omittingEmptySubsequences: false).prefix(3).map { "    " + $0 }.joined(separator: "\n")
        s += excerpt + (sql.split(separator: "\n").count > 3 ? "\n    …" : "") + "\n"
        s += "  \(cancelled ? "cancelled" : "error"): \(cause.replacingOccurrences(of: "\n", with: "\n  "))\n"
        if dirty {
            if inVerify {
                s += "  The migration runs outside a transaction: its \(direction.rawValue) section stayed applied and its verify section failed; it is recorded as dirty.\n"
            } else if statementIndex > 1 {
                s += "  The migration runs outside a transaction, so statements 1–\(statementIndex - 1) of its \(direction.rawValue) section stayed applied; it is recorded as dirty.\n"
            } else {
                s += "  The migration runs outside a transaction and its first statement failed; it is recorded as dirty (a failed statement such as CREATE INDEX CONCURRENTLY can leave an invalid object behind).\n"
            }
            s += "  Fix the database by hand, then run " + RepairAdvice.text(version: version, direction: direction)
        } else if wholeRunRolledBack {
            s += "  The whole run was rolled back (--single-transaction); the database is as it was before the run."
        } else {
            s += "  The migration was rolled back; the database is as it was before it\(cancelled ? "" : ". Fix the file and run the command again")."
        }
        return s
    }
}

/// Hooks that later stages (safety, notifications, status files) plug into a run.
public protocol RunHook: Sendable {
    func willApply(_ step: MigrationPlan.Step, index: Int, total: Int) async
    func didApply(_ step: MigrationPlan.Step, index: Int, total: Int, duration: Duration) async
    func didFinish(_ report: RunReport) async
}

extension RunHook {
    public func willApply(_ step: MigrationPlan.Step, index: Int, total: Int) async {}
    public func didApply(_ step: MigrationPlan.Step, index: Int, total: Int, duration: Duration) async {}
    public func didFinish(_ report: RunReport) async {}
}

/// The plan cannot run as asked (e.g. `--single-transaction` with a `no-transaction` migration).
public struct RunConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
