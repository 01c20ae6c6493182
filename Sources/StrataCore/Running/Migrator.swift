import Foundation
import Synchronization

/// Applies and reverts migrations: takes the lock, reads the history, plans, and runs each step in
/// its own transaction with its history row inside it.
///
/// ```swift
/// let migrator = Migrator(driver: driver, migrationsTable: config.migrationsTableName,
///                         eventsTable: config.eventsTableName, context: RunContext(strataVersion: "1.0.0"))
/// let report = try await migrator.run(.up(to: nil), migrations: try await source.migrations(), options: RunOptions())
/// print(report.steps.count, "applied")
/// ```
public struct Migrator: Sendable {
    public let driver: any DatabaseDriver
    /// The history tables; inside a session, pinned to the session's schema (see ``HistoryStore/bound(to:)``).
    public private(set) var store: HistoryStore
    public let context: RunContext
    public var hooks: [any RunHook] = []

    public init(driver: any DatabaseDriver, migrationsTable: QualifiedName, eventsTable: QualifiedName, context: RunContext) {
        self.driver = driver
        self.store = HistoryStore(dialect: driver.dialect, migrations: migrationsTable, events: eventsTable)
        self.context = context
    }

    /// This migrator with its history tables pinned to `session`'s current schema.
    public func bound(to session: any DatabaseSession) async throws -> Migrator {
        var copy = self
        copy.store = try await store.bound(to: session)
        return copy
    }

    /// ``bound(to:)``, and whether the migrations table exists, in one round trip.
    public func boundAndExists(on session: any DatabaseSession) async throws -> (migrator: Migrator, exists: Bool) {
        var copy = self
        let exists: Bool
        (copy.store, exists) = try await store.boundAndExists(on: session)
        return (copy, exists)
    }

    /// What runs under the lock: the session, the migrator bound to it, and the lock (to check it is still held).
    public struct Locked: Sendable {
        public let session: any DatabaseSession
        public let migrator: Migrator
        public let lock: any MigrationLock
        public var store: HistoryStore { migrator.store }
        /// What taking the lock already read, for the first run under it (see ``LockSetup``).
        let setup: LockSetup
    }

    /// What ``withLockedSession(lockWait:onEvent:_:)`` learns while it makes sure the history tables exist, so that
    /// ``run(_:migrations:options:onEvent:)`` does not ask again: whether it just created them (the history is
    /// empty), and the dialect's ``SQLDialect/batchSettingsColumns`` (read in the same query). Only for the first run
    /// under the lock: a later one (a safe run's rollback) reads both again, after what the first changed.
    struct LockSetup: Sendable {
        var createdHistory = false
        var batchSettings: [String?]?
    }

    /// How the lock's connection names this run, for a runner that has to wait for it.
    var lockHolder: String {
        "strata pid \(ProcessInfo.processInfo.processIdentifier) run \(context.runID) \(context.user)@\(context.host) v\(context.strataVersion)"
    }

    /// Starts setting up the lock ``withLockedSession(lockWait:onEvent:_:)`` takes, ahead of it (see
    /// ``DatabaseDriver/prepareLock(for:holderDescription:)``): call it before reading the migrations, and
    /// ``DatabaseDriver/closeKeptConnection()`` when the run ends, taken or not.
    ///
    /// ```swift
    /// migrator.prepareLock()
    /// let migrations = try await source.migrations()   // the lock's connection opens meanwhile
    /// let report = try await migrator.run(.up(to: nil), migrations: migrations, options: RunOptions())
    /// await migrator.driver.closeKeptConnection()      // closes it if the run never took it
    /// ```
    public func prepareLock() {
        driver.prepareLock(for: store.migrationsTable, holderDescription: lockHolder)
    }

    /// Runs `body` on a session holding the migration lock, with the history tables created.
    public func withLockedSession<R: Sendable>(lockWait: Duration, onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in },
                                               _ body: @escaping (Locked) async throws -> R) async throws -> R {
        let lock = driver.makeLock(for: store.migrationsTable, holderDescription: lockHolder)
        // The lock's connection is opened while the session's is (unless ``prepareLock()`` already started it).
        lock.prepare()
        defer { lock.abandon() }   // nothing left to close once withLock took it over
        return try await driver.withSession { session in
            try await lock.withLock(timeout: lockWait, onWait: { onEvent(.lockWaiting($0)) }) {
                onEvent(.lockAcquired)
                let settings = driver.dialect.batchSettingsColumns ?? []
                let (store, exists, values) = try await store.boundAndExists(on: session, reading: settings)
                var me = self
                me.store = store
                var setup = LockSetup(batchSettings: settings.isEmpty || values.count != settings.count ? nil : values)
                if !exists {
                    try await me.createHistoryTables(on: session)
                    setup.createdHistory = true
                }
                // Statement after statement on the connection's own thread: no hand-off between threads per statement.
                return try await withTaskExecutorPreference(session.preferredExecutor) {
                    try await body(Locked(session: session, migrator: me, lock: lock, setup: setup))
                }
            }
        }
    }

    /// Creates the history tables, in one transaction: a crash between the two tables would leave the events table
    /// missing for good. Its commit need not wait for the disk (one fsync less on a first run): whatever the run then
    /// commits is flushed after it, and if nothing is, the next run creates the tables again. A dialect with batches
    /// sends it all as one statement (one round trip instead of five; nothing in it can fail at its implicit commit).
    private func createHistoryTables(on session: any DatabaseSession) async throws {
        let d = driver.dialect
        let statements = (d.deferredFlushCommit.map { [$0] } ?? []) + store.createStatements()
        if let batch = d.batch(statements, lockTimeout: nil) {
            try await session.execute(batch.sql)
            return
        }
        try await session.withTransaction(begin: d.beginTransaction) { s in
            for sql in statements { try await s.execute(sql) }
        }
    }

    /// Plans and runs `request`. With `options.dryRun`, prints (through `.dryRunSQL` events) and returns the SQL instead, touching nothing.
    public func run(_ request: PlanRequest, migrations: [Migration], options: RunOptions,
                    onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }) async throws -> RunReport {
        let started = Date()
        if options.dryRun {
            return try await driver.withSession(readOnly: true) { session in
                let me = try await bound(to: session)
                let applied = try await me.store.applied(on: session)
                let plan = try Planner.plan(migrations: migrations, applied: applied, request: request, policy: options.policy)
                try Self.checkSingleTransaction(plan, options)
                onEvent(.planned(plan))
                let collector = SQLCollector()
                if try await !me.store.exists(on: session) { for s in me.store.createStatements() { collector.add(s) } }
                let done = Mutex<[RunReport.Step]>([])
                try await me.apply(plan, options: options, lock: nil, exec: { sql, _ in collector.add(sql) }, query: { try await session.query($0) },
                                   progress: { _ in }, onEvent: { step in done.withLock { $0.append(step) } })
                let steps = done.withLock { $0 }
                let sql = collector.all
                for s in sql { onEvent(.dryRunSQL(s)) }
                return report(request, started: started, applied: applied, steps: steps, outcome: .dryRun, error: nil, sql: sql)
            }
        }
        return try await withLockedSession(lockWait: options.lockWait, onEvent: onEvent) { locked in
            try await run(request, migrations: migrations, options: options, locked: locked, setup: locked.setup, started: started, onEvent: onEvent)
        }
    }

    /// Plans and runs `request` on a session that already holds the migration lock (see ``withLockedSession(lockWait:onEvent:_:)``).
    ///
    /// Stages that must keep the lock across several runs (a safe run's apply and automatic rollback) use this.
    /// On failure, ``RunHook/didFinish(_:)`` sees the failed report and the error is rethrown; `.stepFinished` events tell
    /// the caller what was applied before the failure.
    public func run(_ request: PlanRequest, migrations: [Migration], options: RunOptions, locked: Locked, started: Date = Date(),
                    onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }) async throws -> RunReport {
        try await run(request, migrations: migrations, options: options, locked: locked, setup: LockSetup(), started: started, onEvent: onEvent)
    }

    /// ``run(_:migrations:options:locked:started:onEvent:)``, trusting what `setup` says taking the lock found.
    private func run(_ request: PlanRequest, migrations: [Migration], options: RunOptions, locked: Locked, setup: LockSetup, started: Date,
                     onEvent: @escaping @Sendable (RunEvent) -> Void) async throws -> RunReport {
        let applied = Mutex<[AppliedMigration]>([])
        let done = Mutex<[RunReport.Step]>([])
        let cancels = CancelRequests(locked.session)
        do {
            let session = locked.session
            // Tables created under this lock a moment ago hold no rows yet.
            let rows = setup.createdHistory ? [] : try await locked.store.planningRows(on: session)
            applied.withLock { $0 = rows }
            let plan = try Planner.plan(migrations: migrations, applied: rows, request: request, policy: options.policy)
            try Self.checkSingleTransaction(plan, options)
            done.withLock { $0.reserveCapacity(plan.steps.count) }
            onEvent(.planned(plan))
            let exec: Exec = { sql, cancellable in
                if cancellable {
                    try Task.checkCancellation()
                    try await withTaskCancellationHandler {
                        try await session.execute(sql)
                    } onCancel: {
                        cancels.request()
                    }
                } else {
                    do {
                        try await session.execute(sql)
                    } catch let e as DatabaseError where e.isCancellation {
                        // A cancel meant for the previous statement landed on Strata's own bookkeeping: run it again.
                        try await session.execute(sql)
                    }
                }
            }
            let query: Query = { sql in try await session.query(sql) }
            try await locked.migrator.apply(plan, options: options, lock: locked.lock, exec: exec, query: query, settings: setup.batchSettings,
                                            progress: onEvent, onEvent: { step in
                done.withLock { $0.append(step) }
            })
            let steps = done.withLock { $0 }
            let r = report(request, started: started, applied: rows, steps: steps, outcome: steps.isEmpty ? .nothing : .ok, error: nil, sql: nil)
            await cancels.delivered()
            for h in hooks { await h.didFinish(r) }
            return r
        } catch {
            await cancels.delivered()
            let r = report(request, started: started, applied: applied.withLock { $0 }, steps: done.withLock { $0 }, outcome: .failed,
                           error: context.redactor.redact("\(error)"), sql: nil)
            for h in hooks { await h.didFinish(r) }
            throw error
        }
    }

    private static func checkSingleTransaction(_ plan: MigrationPlan, _ options: RunOptions) throws {
        if options.singleTransaction, let m = plan.steps.first(where: { $0.script.directives.noTransaction })?.migration {
            throw RunConfigurationError("--single-transaction cannot include migration \(m.version.digits) \(m.name): it is marked `-- strata:no-transaction`. Run without --single-transaction.")
        }
    }

    private func report(_ request: PlanRequest, started: Date, applied: [AppliedMigration], steps: [RunReport.Step],
                        outcome: RunReport.Outcome, error: String?, sql: [String]?) -> RunReport {
        let from = applied.lazy.filter { $0.state == .applied }.map(\.version).max()
        var to = from
        if !steps.isEmpty {
            var versions = Set(applied.lazy.filter { $0.state == .applied }.map(\.version))
            for s in steps { if s.direction == .up { versions.insert(s.version) } else { versions.remove(s.version) } }
            to = versions.max()
        }
        let finished = Date()
        return RunReport(runID: context.runID, environment: context.environment, database: driver.displayTarget, request: "\(request)",
                         outcome: outcome, startedAt: started, finishedAt: finished, durationMs: Int64(finished.timeIntervalSince(started) * 1000),
                         fromVersion: from, toVersion: to, steps: steps, error: error, sql: sql)
    }

    // MARK: applying a plan

    typealias Exec = @Sendable (String, Bool) async throws -> Void

    /// Applies `plan`; `stepDone` hears of each step once it is applied for good (in a `--single-transaction` run,
    /// all of them after the commit).
    private func apply(_ plan: MigrationPlan, options: RunOptions, lock: (any MigrationLock)?, exec: Exec, query: Query,
                       settings: [String?]? = nil, progress: @escaping @Sendable (RunEvent) -> Void, onEvent stepDone: (RunReport.Step) -> Void) async throws {
        let total = plan.steps.count
        let d = driver.dialect
        var options = options
        if options.batchStatements && !plan.isEmpty {
            (options.batchStatements, options.checkDeferred) = await batchSettings(plan, ownTransactions: !options.singleTransaction, query: query,
                                                                                   read: settings)
        }
        if options.singleTransaction && !plan.isEmpty {
            var done: [RunReport.Step] = []
            done.reserveCapacity(plan.steps.count)
            try await exec(d.beginTransaction, false)
            let perFileTimeouts = plan.steps.contains { $0.script.directives.statementTimeout != nil || $0.script.directives.lockTimeout != nil }
            // All or nothing: the history is written once, after the last migration, in a few statements.
            let records = DeferredRecords(expected: plan.steps.count)
            do {
                var i = 0
                while i < total {
                    if let group = group(from: i, in: plan.steps, options: options, perFileTimeouts: perFileTimeouts) {
                        done += try await applyGroup(group, of: plan.steps, total: total, options: options, exec: exec, query: query,
                                                     deferred: records, progress: progress)
                        i = group.range.upperBound
                    } else {
                        done.append(try await applyStep(plan.steps[i], index: i + 1, total: total, options: options, exec: exec, inOuterTransaction: true,
                                                        replaceTimeouts: perFileTimeouts, deferred: records, progress: progress))
                        i += 1
                    }
                    try await lock?.checkHeld()
                }
                try await lock?.checkHeld()
                do {
                    for sql in records.statements(store) { try await exec(sql, false) }
                } catch let error where !(error is CancellationError || error is ConnectionError) {
                    // Strata's own bookkeeping, not a migration's statement: say so, without a file position.
                    throw HistoryWriteError(cause: context.redactor.redact("\(error)"))
                }
                do {
                    try await exec("COMMIT", false)
                } catch let error where !(error is CancellationError || error is ConnectionError) {
                    // e.g. a deferred constraint: report it against the last migration of the run.
                    guard let last = plan.steps.last else { throw error }
                    let statement = last.script.statements.last ?? SQLStatement(sql: "COMMIT", line: 1, column: 1)
                    var failure = makeFailure(last, index: max(0, last.script.statementCount - 1), statement: statement, inVerify: false, error: error, dirty: false)
                    failure.cause = "while committing the run: " + failure.cause
                    throw failure
                }
            } catch var failure as MigrationFailure {
                try? await exec("ROLLBACK", false)
                failure.wholeRunRolledBack = true
                await recordFailure(failure, exec: exec)
                throw failure
            } catch {
                try? await exec("ROLLBACK", false)
                throw error
            }
            done.forEach(stepDone)
            return
        }
        for (i, step) in plan.steps.enumerated() {
            try await lock?.checkHeld()
            stepDone(try await applyStep(step, index: i + 1, total: total, options: options, exec: exec, inOuterTransaction: false, progress: progress))
        }
    }

    private func applyStep(_ step: MigrationPlan.Step, index: Int, total: Int, options: RunOptions, exec: Exec,
                           inOuterTransaction: Bool, replaceTimeouts: Bool = false, deferred: DeferredRecords? = nil,
                           progress: @Sendable (RunEvent) -> Void) async throws -> RunReport.Step {
        let d = driver.dialect
        let script = step.script
        let m = step.migration
        let statementTimeout = script.directives.statementTimeout ?? options.statementTimeout
        let lockTimeout = script.directives.lockTimeout ?? options.lockTimeout
        try Task.checkCancellation()
        let clock = ContinuousClock()
        let t0 = clock.now
        let startedAt = Date()
        for h in hooks { await h.willApply(step, index: index, total: total) }
        progress(.stepStarted(index: index, total: total, step: step))
        func elapsedMs() -> Int64 { DurationText.milliseconds(clock.now - t0) }
        func event(_ outcome: MigrationEvent.Outcome, error: String? = nil) -> MigrationEvent {
            MigrationEvent(runID: context.runID, version: m.version, direction: step.direction == .up ? .up : .down, outcome: outcome,
                           startedAt: startedAt, finishedAt: Date(), error: error, environment: context.environment, host: context.host, user: context.user)
        }
        let row = { (state: AppliedState, failed: Int?) in
            AppliedMigration(version: m.version, name: m.name, checksum: m.checksum, appliedAt: startedAt, durationMs: elapsedMs(),
                             appliedBy: context.user, host: context.host, strataVersion: context.strataVersion, state: state, failedStatement: failed)
        }
        let verify = step.direction == .up ? (m.verify?.statements ?? []) : []
        // Split once (a script read from a file keeps only its text; see MigrationScript.statements).
        let statements = script.statements
        let all = statements + verify

        if script.directives.noTransaction && !inOuterTransaction {
            for s in d.sessionTimeouts(statement: statementTimeout, lock: lockTimeout) { try await exec(s, false) }
            if step.direction == .up { try await exec(store.insert(row(.dirty, 1)), false) }
            else { try await exec(store.markDirty(m.version, statement: 1, direction: .down), false) }
            for (i, statement) in all.enumerated() {
                do {
                    try await exec(statement.sql, true)
                } catch {
                    let failure = makeFailure(step, index: i, statement: statement, inVerify: i >= statements.count, error: error, dirty: true)
                    // The section may have opened its own transaction (BEGIN … COMMIT as written): end it, so the
                    // session can record the failure, and write the dirty marker again in case it was rolled back.
                    try? await exec("ROLLBACK", false)
                    try? await exec(store.markDirty(m.version, statement: min(i + 1, statements.count + 1), direction: step.direction), false)
                    for s in d.resetSessionTimeouts(statement: statementTimeout, lock: lockTimeout) { try? await exec(s, false) }
                    await recordFailure(failure, exec: exec)
                    progress(.stepFailed(index: index, total: total, step: step, error: failure))
                    throw failure
                }
                // Progress is recorded through the section's statements; a verify failure leaves it one past the last.
                if i + 1 < all.count && i < statements.count {
                    try await exec(store.markDirty(m.version, statement: i + 2, direction: step.direction), false)
                }
            }
            // The history write and its event in one statement where the dialect allows: a crash between them
            // would leave the migration recorded without its `ok` event.
            let write = step.direction == .up ? store.markApplied(m.version, durationMs: elapsedMs()) : store.delete(m.version)
            for sql in store.combined(write, with: event(.ok)) { try await exec(sql, false) }
            for s in d.resetSessionTimeouts(statement: statementTimeout, lock: lockTimeout) { try await exec(s, false) }
        } else if let batch = batchFor(step, statements: all, options: options, statementTimeout: statementTimeout,
                                       lockTimeout: lockTimeout, inOuterTransaction: inOuterTransaction, replaceTimeouts: replaceTimeouts && index > 1,
                                       bookkeeping: { durationSQL, finishedSQL in
                                           // A --single-transaction run writes its history once, at its end.
                                           guard deferred == nil else { return [] }
                                           let write = step.direction == .up ? store.insert(row(.applied, nil), durationSQL: durationSQL) : store.delete(m.version)
                                           return store.combined(write, with: event(.ok), finishedSQL: finishedSQL)
                                       }),
                  try await runBatch(batch, step: step, statements: all, inOuterTransaction: inOuterTransaction, exec: exec,
                                     failed: { progress(.stepFailed(index: index, total: total, step: step, error: $0)) }) {
            // Applied (and, in its own transaction, recorded) in one round trip.
            deferred?.add(step.direction == .up ? .applied(row(.applied, nil)) : .reverted(m.version), event: event(.ok))
        } else {
            let sessionLevel = !d.supportsTransactionLocalTimeouts && !inOuterTransaction
            let reset = sessionLevel ? d.resetSessionTimeouts(statement: statementTimeout, lock: lockTimeout) : []
            if sessionLevel { for s in d.sessionTimeouts(statement: statementTimeout, lock: lockTimeout) { try await exec(s, false) } }
            do {
                if !inOuterTransaction {
                    do {
                        try await exec(d.beginTransaction, false)
                    } catch {
                        // SQLite's BEGIN IMMEDIATE is what waits for the write lock: report it against the migration.
                        let first = statements.first ?? SQLStatement(sql: d.beginTransaction, line: 1, column: 1)
                        var failure = makeFailure(step, index: 0, statement: first, inVerify: false, error: error, dirty: false)
                        failure.cause = "could not start the migration's transaction: " + failure.cause
                        progress(.stepFailed(index: index, total: total, step: step, error: failure))
                        throw failure
                    }
                }
                do {
                    if inOuterTransaction, replaceTimeouts, index > 1 {
                        // SET LOCAL lasts until the outer transaction ends: give this step its own values (or the defaults).
                        for s in d.localTimeoutsReplacing(statement: statementTimeout, lock: lockTimeout) { try await exec(s, false) }
                    } else {
                        for s in d.localTimeouts(statement: statementTimeout, lock: lockTimeout) { try await exec(s, false) }
                    }
                    for (i, statement) in all.enumerated() {
                        do {
                            try await exec(statement.sql, true)
                        } catch {
                            throw makeFailure(step, index: i, statement: statement, inVerify: i >= statements.count, error: error, dirty: false)
                        }
                    }
                    do {
                        if let deferred {
                            deferred.add(step.direction == .up ? .applied(row(.applied, nil)) : .reverted(m.version), event: event(.ok))
                        } else {
                            let write = step.direction == .up ? store.insert(row(.applied, nil)) : store.delete(m.version)
                            for sql in store.combined(write, with: event(.ok)) { try await exec(sql, false) }
                        }
                        if !inOuterTransaction { try await exec("COMMIT", false) }
                    } catch where !(error is CancellationError || error is ConnectionError) {
                        if Task.isCancelled { throw CancellationError() }
                        // e.g. a deferred constraint failing at COMMIT: report it against the migration.
                        let last = statements.last ?? SQLStatement(sql: "COMMIT", line: 1, column: 1)
                        var failure = makeFailure(step, index: max(0, statements.count - 1), statement: last, inVerify: false, error: error, dirty: false)
                        failure.cause = "while recording the migration and committing: " + failure.cause
                        throw failure
                    }
                } catch let failure as MigrationFailure {
                    progress(.stepFailed(index: index, total: total, step: step, error: failure))
                    if !inOuterTransaction {
                        try? await exec("ROLLBACK", false)
                        await recordFailure(failure, exec: exec)
                    }
                    throw failure
                } catch {
                    if !inOuterTransaction { try? await exec("ROLLBACK", false) }
                    throw error
                }
            } catch {
                for s in reset { try? await exec(s, false) }
                throw error
            }
            for s in reset { try await exec(s, false) }
        }
        let duration = clock.now - t0
        for h in hooks { await h.didApply(step, index: index, total: total, duration: duration) }
        progress(.stepFinished(index: index, total: total, step: step, duration: duration))
        return RunReport.Step(version: m.version, name: m.name, direction: step.direction, durationMs: DurationText.milliseconds(duration),
                              statements: statements.count)
    }

    func recordFailure(_ failure: MigrationFailure, exec: Exec) async {
        let e = MigrationEvent(runID: context.runID, version: failure.version, direction: failure.direction == .up ? .up : .down,
                               outcome: failure.dirty ? .failed : .rolledBack, startedAt: Date(), finishedAt: Date(),
                               error: context.redactor.redact(String(failure.cause.prefix(2000))), environment: context.environment, host: context.host, user: context.user)
        try? await exec(store.insert(e), false)
    }

    func makeFailure(_ step: MigrationPlan.Step, index: Int, statement: SQLStatement, inVerify: Bool, error: any Error, dirty: Bool) -> MigrationFailure {
        let script = inVerify ? (step.migration.verify ?? step.script) : step.script
        let count = inVerify ? script.statementCount : step.script.statementCount
        let position = inVerify ? index - step.script.statementCount : index
        var line = statement.line
        var cause = "\(error)"
        var sqlState: String?
        var cancelled = error is CancellationError
        var underlying: String?
        if let db = error as? DatabaseError {
            cause = db.description
            if db.sqlState == "25001" {
                cause += "\nHINT: this statement cannot run inside a transaction; put `-- strata:no-transaction` at the top of the section"
            }
            sqlState = db.sqlState
            cancelled = db.isCancellation
            underlying = db.underlying
            if let pos = db.position, pos > 0 {
                // PostgreSQL counts characters (code points); CRLF has one LF.
                line += statement.sql.unicodeScalars.prefix(pos - 1).filter { $0 == "\n" }.count
            }
        } else if let c = error as? ConnectionError {
            cause = "connection lost: \(c.reason)"
            underlying = c.underlying
        }
        if cancelled && !(error is DatabaseError) { cause = "the run was interrupted" }
        return MigrationFailure(version: step.migration.version, name: step.migration.name, direction: step.direction,
                                file: "\(context.directoryDisplay)/\(script.file)", statementIndex: position + 1, statementCount: count,
                                line: line, sql: statement.sql, cause: cause, sqlState: sqlState, cancelled: cancelled, inVerify: inVerify,
                                dirty: dirty, wholeRunRolledBack: false, underlying: underlying)
    }

}

/// Collects the SQL of a dry run.
final class SQLCollector: Sendable {
    private let items = Mutex<[String]>([])
    func add(_ sql: String) { items.withLock { $0.append(sql) } }
    var all: [String] { items.withLock { $0 } }
}
