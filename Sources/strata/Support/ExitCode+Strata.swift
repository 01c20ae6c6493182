import ArgumentParser
import Foundation
import StrataKit

/// The few exit codes `strata` uses; documented in the README.
enum StrataExit: Int32, CaseIterable {
    case ok = 0
    /// A migration failed, or another run-time error.
    case failure = 1
    /// Bad usage or configuration: flags, variables, strata.toml, URLs.
    case usage = 2
    /// The database could not be reached or refused the login.
    case unreachable = 3
    /// The migration lock was not acquired within --lock-wait.
    case lockNotAcquired = 4
    /// Validation failed: migration files, checksums, strata.sum, or the history does not allow the plan.
    case validation = 5
    /// Pending migrations (reserved for `check`-style commands).
    case pending = 6
    /// A safe run failed and was rolled back: the database is as it was before the run (down sections or backup restore).
    case rolledBack = 7
    /// A safe run failed and the automatic rollback did not complete: the database may be between versions (see the report).
    case rollbackFailed = 8
    /// The rehearsal on a copy failed; the real database was not touched.
    case rehearsalFailed = 9
    /// `strata job wait`: the run crashed (its process died or its heartbeat stopped before it finished).
    case crashed = 11
    /// --timeout elapsed.
    case timedOut = 124
    /// Interrupted by SIGINT / SIGTERM.
    case interrupted = 130
    case terminated = 143

    var kind: String {
        switch self {
        case .ok: "ok"
        case .failure: "failure"
        case .usage: "usage"
        case .unreachable: "unreachable"
        case .lockNotAcquired: "lock_not_acquired"
        case .validation: "validation"
        case .pending: "pending"
        case .rolledBack: "rolled_back"
        case .rollbackFailed: "rollback_failed"
        case .rehearsalFailed: "rehearsal_failed"
        case .crashed: "crashed"
        case .timedOut: "timeout"
        case .interrupted: "interrupted"
        case .terminated: "terminated"
        }
    }

    /// The exit code for an error a command threw.
    static func code(for error: any Error) -> StrataExit {
        // A run stopped by a signal or --timeout exits with that reason, whatever error the stop surfaced as.
        if let reason = Interruption.shared.exitCode, !(error is ConfigError) { return reason }
        switch error {
        case is ConfigError: return .usage
        case is ValidationError: return .usage
        case is ConnectionError: return .unreachable
        case is LockTimeoutError: return .lockNotAcquired
        case is SourceError, is SourceProblem, is PlanError, is HistoryOperationError: return .validation
        case is RunConfigurationError: return .usage
        case is LockLostError: return .failure
        case let f as MigrationFailure: return f.cancelled ? Interruption.shared.exitCode ?? .failure : .failure
        case is CancellationError: return Interruption.shared.exitCode ?? .interrupted
        case let e as CommandFailure: return e.code
        default: return .failure
        }
    }
}

/// An error a command reports with a chosen exit code.
struct CommandFailure: Error, CustomStringConvertible {
    var code: StrataExit
    var description: String
    init(_ code: StrataExit, _ description: String) {
        self.code = code
        self.description = description
    }
}
