import Foundation
import Logging
import StrataCore

/// The start-up gate for Swift servers: refuse to start on a stale schema, with the same checks and the same
/// message as `strata check`.
///
/// The app never migrates by itself; a migration job (`strata up`) does, and the app checks at boot that the
/// database is at the head of its migrations directory: nothing pending, nothing dirty, no applied file changed
/// since, and every required table present.
///
/// ```swift
/// import StrataKit
///
/// let gate = try SchemaGate(database: Environment.get("DATABASE_URL") ?? "sqlite:app.sqlite",
///                           directory: "migrations",
///                           requiredTables: ["users", "orders"])
/// do {
///     try await gate.verify()                       // or: try await gate.wait(timeout: .seconds(60))
/// } catch {
///     print(error)   // "database schema is not ready (…):\n  pending migrations (2; …)\nRun the migrations …\n  strata up …"
///     exit(1)
/// }
/// ```
///
/// In a Vapor app, call it in `configure(_:)` before registering routes; in Hummingbird, before
/// `app.runService()`. Both then exit non-zero with the message in the log, and the orchestrator restarts the
/// container until the migration job has finished (or use ``wait(timeout:pollInterval:)`` to wait in-process).
public struct SchemaGate: Sendable {
    public let strata: Strata
    public let requiredTables: [String]
    /// The command the message tells the operator to run.
    public let fixCommand: String
    /// The migrations directory as given (shown in the fix command).
    public let directory: String

    /// - Parameters:
    ///   - database: a URL, `postgres://user:password@host:5432/db` or `sqlite:path` (the password is never printed).
    ///   - directory: the migrations directory, relative to the working directory or absolute.
    ///   - requiredTables: tables the app needs (optionally schema-qualified, `audit.events`).
    ///   - historySchema: the history tables' schema, when `strata.toml` sets one (`[history] schema`).
    ///   - historyTable: the history table's name (`[history] table`).
    ///   - fixCommand: what the message tells the operator to run; by default `strata up -d <database> [--dir <directory>]`
    ///     (e.g. pass `"strata up --env production"` or `"kubectl apply -f migrate-job.yaml"`).
    public init(database: String, directory: String = "migrations", requiredTables: [String] = [],
                historySchema: String? = nil, historyTable: String = "strata_migrations", fixCommand: String? = nil) throws {
        var strata = try Strata(database: database, directory: directory)
        var config = strata.config
        config.historySchema = historySchema
        config.historyTable = historyTable
        strata = Strata(config: config)
        self.init(strata: strata, directory: directory, requiredTables: requiredTables, fixCommand: fixCommand)
    }

    /// A gate on an already configured ``Strata`` (e.g. one built from a resolved `strata.toml`).
    public init(strata: Strata, directory: String? = nil, requiredTables: [String] = [], fixCommand: String? = nil) {
        self.strata = strata
        self.requiredTables = requiredTables
        let dir = directory ?? strata.config.migrationsDirectory
        self.directory = dir
        self.fixCommand = fixCommand ?? SchemaCheck.fixCommand(environment: strata.config.environment, database: strata.config.target.display,
                                                                directory: dir)
    }

    func schemaCheck() async throws -> SchemaCheck {
        let migrations = try await strata.source.migrations()
        try await strata.checkSum(migrations)
        return SchemaCheck(driver: strata.driver, migrations: migrations, requiredTables: requiredTables,
                           migrationsTable: strata.config.migrationsTableName, eventsTable: strata.config.eventsTableName, fixCommand: fixCommand)
    }

    /// Looks once and returns what it found, ready or not (``SchemaCheckResult/message`` says what to do).
    /// - Throws: ``SourceError`` for unreadable migration files, ``ConnectionError`` when the database cannot be reached.
    public func check() async throws -> SchemaCheckResult {
        try await schemaCheck().run()
    }

    /// Returns when the schema is ready; otherwise throws ``SchemaNotReadyError``, whose description is the message
    /// `strata check` prints (missing tables, pending versions, the command to run).
    ///
    /// ```swift
    /// try await SchemaGate(database: url, requiredTables: ["users"]).verify()
    /// ```
    /// - Throws: ``SchemaNotReadyError``, ``ConnectionError`` (unreachable), ``SourceError`` (bad migration files).
    public func verify() async throws {
        let result = try await check()
        guard result.ready else { throw SchemaNotReadyError(result: result) }
    }

    /// Like ``verify()``, but looks again every `pollInterval` (1 s) until the schema is ready or `timeout` has passed,
    /// waiting out an unreachable database too: for an app that starts next to the job that migrates.
    ///
    /// ```swift
    /// try await gate.wait(timeout: .seconds(60))
    /// ```
    /// - Parameter onRetry: called after each look that was not ready, with a one-line summary (for the log).
    /// - Returns: the ready result (how many attempts, how long it waited).
    /// - Throws: ``SchemaNotReadyError`` with the last result, or the last ``ConnectionError``, when the time is up.
    @discardableResult
    public func wait(timeout: Duration, pollInterval: Duration = SchemaCheck.defaultPollInterval,
                     onRetry: @Sendable (String) -> Void = { _ in }) async throws -> SchemaCheckResult {
        let result = try await schemaCheck().wait(timeout: timeout, pollInterval: pollInterval, onRetry: onRetry)
        guard result.ready else { throw SchemaNotReadyError(result: result) }
        return result
    }
}
