import Foundation

/// The start-up gate: is the database at the head of the migrations directory, with every required table?
///
/// Shared by `strata check` and `SchemaGate` (StrataKit), so both give the same verdict and the same message.
/// Ready means: nothing pending, nothing dirty, no applied file changed since, and every required table exists.
/// Applied migrations whose files are not in the directory (a database ahead of this app's files, e.g. after
/// the app was rolled back) do not block; the ready message mentions them.
///
/// ```swift
/// let check = SchemaCheck(driver: driver, migrations: try await DirectorySource(directory: dir).migrations(),
///                         requiredTables: ["users", "orders"], fixCommand: "strata up --env production")
/// let result = try await check.wait(timeout: .seconds(60))
/// guard result.ready else { print(result.message); exit(1) }
/// ```
public struct SchemaCheck: Sendable {
    /// How often ``wait(timeout:pollInterval:onRetry:)`` looks again.
    public static let defaultPollInterval: Duration = .seconds(1)

    public var driver: any DatabaseDriver
    public var migrations: [Migration]
    public var requiredTables: [String]
    public var migrationsTable: QualifiedName
    public var eventsTable: QualifiedName
    /// The command the message tells the operator to run (see ``fixCommand(environment:configFile:database:directory:)``).
    public var fixCommand: String

    public init(driver: any DatabaseDriver, migrations: [Migration], requiredTables: [String] = [],
                migrationsTable: QualifiedName = QualifiedName(schema: nil, name: "strata_migrations"),
                eventsTable: QualifiedName = QualifiedName(schema: nil, name: "strata_events"),
                fixCommand: String = "strata up") {
        self.driver = driver
        self.migrations = migrations
        self.requiredTables = requiredTables
        self.migrationsTable = migrationsTable
        self.eventsTable = eventsTable
        self.fixCommand = fixCommand
    }

    /// Looks once. Not being ready is a result, not an error.
    /// - Throws: ``ConnectionError`` when the database cannot be reached, ``DatabaseError`` when a read fails.
    public func run() async throws -> SchemaCheckResult {
        let seen = try await SchemaInspection.read(driver: driver, migrations: migrations, requiredTables: requiredTables,
                                                   migrationsTable: migrationsTable, eventsTable: eventsTable)
        return SchemaCheckResult(inspection: seen, fixCommand: fixCommand)
    }

    /// Looks every `pollInterval` until the schema is ready or `timeout` has passed, waiting out an unreachable
    /// database too (for an app that starts next to the job that migrates).
    ///
    /// An attempt that has started runs to its end, so the wait can exceed `timeout` by one attempt (at most the
    /// connect timeout, 10 s by default, when the server does not answer).
    /// - Parameter onRetry: called after each attempt that was not ready, with a one-line summary.
    /// - Returns: the last result, ready or not, with ``SchemaCheckResult/attempts`` and ``SchemaCheckResult/waited``.
    /// - Throws: the last attempt's error when the database could not be read at the end of the wait.
    public func wait(timeout: Duration, pollInterval: Duration = SchemaCheck.defaultPollInterval,
                     onRetry: @Sendable (String) -> Void = { _ in }) async throws -> SchemaCheckResult {
        let clock = ContinuousClock()
        let start = clock.now
        var attempts = 0
        while true {
            attempts += 1
            let outcome: Result<SchemaCheckResult, any Error>
            do { outcome = .success(try await run()) } catch is CancellationError { throw CancellationError() } catch { outcome = .failure(error) }
            let waited = clock.now - start
            if case .success(var result) = outcome {
                result.attempts = attempts
                result.waited = waited
                if result.ready { return result }
            }
            let remaining = timeout - waited
            if remaining <= .zero {
                switch outcome {
                case .success(var result):
                    result.attempts = attempts
                    result.waited = waited
                    return result
                case .failure(let error): throw error
                }
            }
            switch outcome {
            case .success(let result): onRetry(result.summary)
            case .failure(let error): onRetry("\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)")
            }
            try await Task.sleep(for: min(pollInterval, remaining))
        }
    }

    /// The command that applies the pending migrations with the same settings:
    /// `strata up [--env E] [--config F] [-d DATABASE] [--dir DIR]`, each value shell-quoted when needed.
    /// Pass the database only as the user gave it, without a password.
    public static func fixCommand(environment: String? = nil, configFile: String? = nil, database: String? = nil,
                                  directory: String? = nil) -> String {
        var words = ["strata", "up"]
        if let environment { words += ["--env", shellQuoted(environment)] }
        if let configFile { words += ["--config", shellQuoted(configFile)] }
        if let database { words += ["-d", shellQuoted(database)] }
        if let directory, directory != "migrations" { words += ["--dir", shellQuoted(directory)] }
        return words.joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+=,")
        if !word.isEmpty, word.unicodeScalars.allSatisfy({ plain.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// What ``SchemaCheck`` found, with the message `strata check` prints and `SchemaGate` throws.
public struct SchemaCheckResult: Sendable {
    public enum Verdict: String, Sendable, Codable {
        /// At the head of the directory, every required table present.
        case ready
        /// Migrations are pending (or being applied right now): running them makes the schema ready.
        /// `strata check` exits 6.
        case pending
        /// Something needs a person: a dirty migration, an applied file that changed, or required tables that
        /// no pending migration can create. `strata check` exits 5.
        case invalid
    }

    public var inspection: SchemaInspection
    public var fixCommand: String
    /// How many times ``SchemaCheck/wait(timeout:pollInterval:onRetry:)`` looked (1 for a single check).
    public var attempts = 1
    /// How long it waited before this result.
    public var waited: Duration = .zero

    public init(inspection: SchemaInspection, fixCommand: String) {
        self.inspection = inspection
        self.fixCommand = fixCommand
    }

    public var ready: Bool { verdict == .ready }

    /// A dirty row while a run holds the lock is a `no-transaction` migration being applied right now.
    public var dirtyInProgress: [MigrationStatus] { inspection.lockHolder == nil ? [] : inspection.dirty }
    /// Dirty rows nobody is working on: they need `strata repair`.
    public var dirtyStuck: [MigrationStatus] { inspection.lockHolder == nil ? inspection.dirty : [] }

    public var verdict: Verdict {
        let i = inspection
        if !dirtyStuck.isEmpty || !i.changed.isEmpty { return .invalid }
        if !i.pending.isEmpty || !dirtyInProgress.isEmpty { return .pending }
        if !i.missingTables.isEmpty { return .invalid }
        return .ready
    }

    /// One line for progress output: "2 pending (0002, 0003); missing tables: users".
    public var summary: String {
        let i = inspection
        var parts: [String] = []
        if !i.pending.isEmpty { parts.append("\(i.pending.count) pending (\(Self.list(i.pending.map(\.version.digits))))") }
        if !dirtyInProgress.isEmpty { parts.append("being applied: \(dirtyInProgress.map(\.version.digits).joined(separator: ", "))") }
        if !dirtyStuck.isEmpty { parts.append("dirty: \(dirtyStuck.map(\.version.digits).joined(separator: ", "))") }
        if !i.changed.isEmpty { parts.append("changed: \(i.changed.map(\.version.digits).joined(separator: ", "))") }
        if !i.missingTables.isEmpty { parts.append("missing tables: \(i.missingTables.joined(separator: ", "))") }
        return parts.isEmpty ? "ready at \(i.currentVersion?.digits ?? "no version")" : parts.joined(separator: "; ")
    }

    /// The message for people: what is wrong, one line each, and the exact command to run.
    public var message: String {
        let i = inspection
        if ready {
            var s = "database schema is ready (\(i.database)): "
            s += i.currentVersion.map { "at version \($0.digits), \(i.applied.count) migration\(i.applied.count == 1 ? "" : "s") applied, nothing pending" }
                ?? "no migrations to apply"
            if !i.requiredTables.isEmpty { s += "; required tables present: \(i.requiredTables.joined(separator: ", "))" }
            if !i.missingFiles.isEmpty {
                s += "\nnote: the database also has \(i.missingFiles.count) applied migration\(i.missingFiles.count == 1 ? "" : "s") this directory does not have "
                    + "(\(Self.list(i.missingFiles.map(\.version.digits)))): it is ahead of these files"
            }
            return s
        }
        var lines = ["database schema is not ready (\(i.database)):"]
        if !i.missingTables.isEmpty {
            lines.append("  missing required tables (\(i.missingTables.count)): \(i.missingTables.joined(separator: ", "))")
        }
        if !i.pending.isEmpty {
            let at = i.currentVersion.map { "database at \($0.digits)" } ?? "nothing applied yet"
            lines.append("  pending migrations (\(i.pending.count); \(at), head \(i.headVersion?.digits ?? "?")): "
                         + Self.list(i.pending.map { "\($0.version.digits) \($0.name)" }))
            if !i.historyTableExists { lines.append("  the history table \(i.historyTable) does not exist yet: no migration has run on this database") }
        }
        for d in dirtyInProgress {
            lines.append("  migration \(d.version.digits) \(d.name) is being applied right now (it runs outside a transaction)")
        }
        if let holder = i.lockHolder, !i.pending.isEmpty || !dirtyInProgress.isEmpty {
            lines.append("  a migration run holds the lock: \(holder)")
        }
        for d in dirtyStuck {
            let failed = d.failedStatement.map { "statement \($0) of its \((d.failedDirection ?? .up).rawValue) section failed" } ?? "it did not finish"
            lines.append("  migration \(d.version.digits) \(d.name) is dirty: \(failed), so the database may hold part of it.")
            lines.append("    Fix the database by hand, then run " + RepairAdvice.text(version: d.version, direction: d.failedDirection ?? .up))
        }
        if !i.changed.isEmpty {
            lines.append("  applied migrations edited since: " + Self.list(i.changed.map { "\($0.version.digits) \($0.name)\($0.file.map { " (\($0))" } ?? "")" }))
            lines.append("    Restore the original files (git checkout), or accept an intentional edit with `strata repair --accept-checksum VERSION`.")
        }
        switch verdict {
        case .pending:
            lines.append(dirtyInProgress.isEmpty || !i.pending.isEmpty ? "Run the migrations before starting the app:" : "Wait for that run to finish, or run:")
            lines.append("  \(fixCommand)")
        case .invalid where !i.pending.isEmpty:
            lines.append("Then run the migrations:")
            lines.append("  \(fixCommand)")
        case .invalid where !i.missingTables.isEmpty && i.dirty.isEmpty && i.changed.isEmpty:
            lines.append("No migration is pending, so `strata up` will not create them: check that this is the right database and that "
                         + "required_tables is right, or add a migration that creates them.")
        default:
            break
        }
        return lines.joined(separator: "\n")
    }

    /// At most ten items, then "… and N more".
    static func list(_ items: [String]) -> String {
        items.count <= 10 ? items.joined(separator: ", ") : items.prefix(10).joined(separator: ", ") + ", … and \(items.count - 10) more"
    }
}

/// The schema is not ready: thrown by `SchemaGate.verify()`; its description is the message `strata check` prints.
public struct SchemaNotReadyError: Error, Sendable, CustomStringConvertible {
    public var result: SchemaCheckResult
    public init(result: SchemaCheckResult) { self.result = result }
    public var description: String { result.message }
}
