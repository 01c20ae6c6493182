import Foundation
import Synchronization
import StrataCore

/// `strata up` with the safety stages: backup, rehearsal on a copy, apply, validation, automatic rollback, report.
///
/// ```swift
/// let safe = SafeMigration(settings: settings, target: config.target, makeDriver: { Drivers.driver(for: $0) },
///                          migrator: migrator, migrations: migrations, request: .up(to: nil), options: RunOptions())
/// let report = try await safe.run()
/// print(report.outcome)
/// ```
public struct SafeMigration: Sendable {
    public var settings: SafetySettings
    public var target: DatabaseTarget
    public var makeDriver: DriverFactory
    public var migrator: Migrator
    public var migrations: [Migration]
    public var request: PlanRequest
    public var options: RunOptions
    /// `--timeout`: bounds the rehearsal's apply and the real apply + validation, each.
    public var timeout: Duration?
    public var log = SafetyLog()
    public var onProgress: @Sendable (SafetyProgress) -> Void = { _ in }
    public var onEvent: @Sendable (RunEvent) -> Void = { _ in }

    public init(settings: SafetySettings, target: DatabaseTarget, makeDriver: @escaping DriverFactory, migrator: Migrator,
                migrations: [Migration], request: PlanRequest, options: RunOptions) {
        self.settings = settings
        self.target = target
        self.makeDriver = makeDriver
        self.migrator = migrator
        self.migrations = migrations
        self.request = request
        self.options = options
    }

    var validator: SchemaValidator { SchemaValidator(requiredTables: settings.requiredTables, queries: settings.validateQueries) }
    var redactor: Redactor { migrator.context.redactor }

    func progress(_ p: SafetyProgress) {
        switch p {
        case .stageStarted(let s, let text): log.add("[\(s.rawValue)] \(text)")
        case .stageFinished(let s, let ok, let text, let ms): log.add("[\(s.rawValue)] \(ok ? "ok" : "FAILED"): \(text) (\(ms) ms)")
        case .note(let text): log.add(text)
        }
        onProgress(p)
    }

    /// Runs every stage. Errors before any stage (configuration, connection, plan refusals) are thrown;
    /// everything after the plan is known ends in the report's outcome.
    public func run() async throws -> SafetyReport {
        let started = Date()
        let ctx = migrator.context
        let box = ReportBox(SafetyReport(runID: ctx.runID, environment: settings.environmentName, database: target.display, host: ctx.host, user: ctx.user,
                                  strataVersion: ctx.strataVersion, startedAt: started, finishedAt: started, durationMs: 0, outcome: .nothing,
                                  safety: settings.enabled, force: settings.force, fromVersion: nil, toVersion: nil, pending: [], migrations: [],
                                  backup: nil, rehearsal: nil, validation: nil, rollback: nil, stages: [], error: nil, warnings: [], reportFiles: []))
        let redactor = self.redactor
        let log = self.log
        @Sendable func finish(_ outcome: SafetyReport.Outcome, error: String? = nil, cause: (any Error)? = nil) -> SafetyReport {
            log.add("outcome: \(outcome.rawValue)")
            return box.with { r in
                r.outcome = outcome
                if let error { r.error = redactor.redact(error) }
                r.cause = cause
                r.finishedAt = Date()
                r.durationMs = Int64(r.finishedAt.timeIntervalSince(started) * 1000)
                return r
            }
        }
        let me = self
        @Sendable func stage(_ s: SafetyStage, ok: Bool, since t: ContinuousClock.Instant, _ note: String) {
            let ms = milliseconds(since: t)
            box.with { $0.stages.append(.init(stage: s, ok: ok, durationMs: ms, note: redactor.redact(note))) }
            me.progress(.stageFinished(s, ok: ok, redactor.redact(note), durationMs: ms))
        }

        // What would run, read without the lock.
        let migrator = self.migrator
        let (applied, plan) = try await migrator.driver.withSession(readOnly: true) { s in
            let me = try await migrator.bound(to: s)
            let rows = try await me.store.exists(on: s) ? me.store.applied(on: s) : []
            return (rows, try Planner.plan(migrations: migrations, applied: rows, request: request, policy: options.policy))
        }
        let fromVersion = applied.filter { $0.state == .applied && !$0.version.isRepeatable }.map(\.version).max()
        box.with { $0.fromVersion = fromVersion?.digits }
        box.with { $0.toVersion = fromVersion?.digits }
        box.with { $0.pending = plan.steps.map { "\($0.migration.version.digits) \($0.migration.name)" } }
        log.add("run \(ctx.runID) on \(target.display), environment \(settings.environmentName); \(plan.steps.count) pending")
        guard !plan.isEmpty else { return finish(.nothing) }

        // 1. Backup.
        var backupEntry: BackupCatalog.Entry?
        if settings.backup {
            let t = ContinuousClock.now
            progress(.stageStarted(.backup, "backing up \(target.display) to \(settings.backupDirectory)"))
            do {
                let entry = try await BackupService(target: target, makeDriver: makeDriver, directory: settings.backupDirectory)
                    .take(kind: "pre-migration", environment: settings.environmentName, fromVersion: fromVersion?.digits, runID: ctx.runID,
                          strataVersion: ctx.strataVersion)
                backupEntry = entry
                let m = entry.manifest
                box.with { $0.backup = .init(path: entry.backupPath, sizeBytes: m.sizeBytes, sha256: m.sha256, durationMs: m.durationMs, tool: m.tool ?? "") }
                stage(.backup, ok: true, since: t, "\(entry.backupPath) (\(ByteCountFormatter.string(fromByteCount: m.sizeBytes, countStyle: .file)))")
            } catch {
                stage(.backup, ok: false, since: t, "\(error)")
                return finish(.failed, error: "backup failed, so nothing was changed: \(error)\nFix the cause, or run without a backup with --skip-backup (not recommended).", cause: error)
            }
        } else if settings.enabled {
            box.with { $0.warnings.append("backup skipped (--skip-backup): a failure that down sections cannot undo cannot be restored") }
        }

        // 2. Rehearsal on a copy.
        if settings.rehearsal {
            let rehearsal = await rehearse(plan: plan, dump: backupEntry?.backupPath)
            box.with { $0.rehearsal = rehearsal }
            stage(.rehearsal, ok: rehearsal.ok, since: ContinuousClock.now - .milliseconds(rehearsal.durationMs),
                  rehearsal.ok ? "\(rehearsal.steps.count) migration(s) applied and validated on \(rehearsal.copy) (\(rehearsal.method))"
                               : "failed on the copy: \(rehearsal.error ?? "validation failed")")
            if !rehearsal.ok {
                if !settings.force {
                    return finish(.rehearsalFailed, error: "the rehearsal on a copy failed, so the real database was not touched:\n\(rehearsal.error ?? rehearsal.validation?.failureSummary ?? "")\nFix the migration, or apply anyway with --force.")
                }
                box.with { $0.warnings.append("the rehearsal failed; applying anyway because of --force") }
            }
        } else if settings.enabled {
            box.with { $0.warnings.append("rehearsal skipped (--skip-test)") }
        }

        // 3–5. Apply, validate and, on failure, roll back — all under the migration lock.
        let applyStart = ContinuousClock.now
        progress(.stageStarted(.apply, "applying \(plan.steps.count) migration(s)"))
        let done = Mutex<[RunReport.Step]>([])
        let forward = onEvent
        let events: @Sendable (RunEvent) -> Void = { e in
            if case .stepFinished(_, _, let step, let d) = e {
                done.withLock { $0.append(.init(version: step.migration.version, name: step.migration.name, direction: step.direction,
                                                durationMs: d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000,
                                                statements: step.script.statements.count)) }
            }
            forward(e)
        }
        do {
            let outcome: (SafetyReport.Outcome, String?, (any Error)?) = try await migrator.withLockedSession(lockWait: options.lockWait, onEvent: events) { locked in
                let now = try await locked.store.applied(on: locked.session)
                guard now.map(\.version) == applied.map(\.version), now.map(\.state) == applied.map(\.state) else {
                    throw SafetyError(stage: .apply, message: "the history changed while the backup and rehearsal ran (another run?); nothing was applied. Run the command again.")
                }
                if let b = backupEntry {
                    let e = MigrationEvent(runID: ctx.runID, version: fromVersion, direction: .backup, outcome: .ok, startedAt: b.manifest.createdAt,
                                           finishedAt: b.manifest.createdAt.addingTimeInterval(Double(b.manifest.durationMs) / 1000),
                                           error: "pre-migration backup \(b.backupPath)", environment: ctx.environment, host: ctx.host, user: ctx.user)
                    try await locked.session.execute(locked.store.insert(e))
                }
                let failure: any Error
                do {
                    let options = self.options
                    let migrations = self.migrations
                    let request = self.request
                    let run = try await withSafetyTimeout(timeout, stage: .apply) {
                        try await migrator.run(request, migrations: migrations, options: options, locked: locked, onEvent: events)
                    }
                    box.with { $0.migrations = run.steps }
                    box.with { $0.toVersion = run.toVersion?.digits }
                    stage(.apply, ok: true, since: applyStart, "\(run.steps.count) migration(s) applied")
                    let vt = ContinuousClock.now
                    progress(.stageStarted(.validation, "validating the schema"))
                    let applied = Set(run.steps.map(\.version))
                    let result = try await withSafetyTimeout(timeout, stage: .validation) {
                        try await validator.validate(on: locked.session, dialect: migrator.driver.dialect,
                                                     verify: migrations.filter { applied.contains($0.version) })
                    }
                    box.with { $0.validation = result }
                    stage(.validation, ok: result.ok, since: vt, "\(result.checks.count) check(s)\(result.ok ? " passed" : ", \(result.failures.count) failed")")
                    if result.ok { return (.ok, nil, nil) }
                    failure = SafetyError(stage: .validation, message: "post-migration validation failed:\n\(result.failureSummary)")
                } catch {
                    if Task.isCancelled { throw error }
                    box.with { $0.migrations = done.withLock { $0 } }
                    if !box.with({ $0.stages.contains(where: { $0.stage == .apply }) }) { stage(.apply, ok: false, since: applyStart, "\(error)") }
                    failure = error
                }
                // 5. Automatic rollback.
                let rollback = await roll(back: done.withLock { $0 }, after: failure, locked: locked, backup: backupEntry)
                box.with { $0.rollback = rollback }
                let stillApplied = done.withLock { $0 }.filter { $0.direction == .up }.map(\.version).max()
                box.with { $0.toVersion = rollback.ok ? fromVersion?.digits : (stillApplied?.digits ?? $0.toVersion) }
                box.with { $0.stages.append(.init(stage: .rollback, ok: rollback.ok, durationMs: rollback.durationMs, note: rollback.method)) }
                progress(.stageFinished(.rollback, ok: rollback.ok, "by \(rollback.method)" + (rollback.error.map { ": \($0)" } ?? ""), durationMs: rollback.durationMs))
                let what = rollback.ok
                    ? "Automatic rollback: done by \(rollback.method == "down" ? "the down sections" : rollback.method == "restore" ? "restoring the pre-migration backup" : "the transaction"); the database is as it was before the run."
                    : "Automatic rollback did not complete: \(rollback.error ?? "unknown"); the database may be between versions — see `strata status` and the report"
                // The engine's advice about the failed migration's own state is superseded by the rollback.
                let facts = "\(failure)".split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !($0.hasPrefix("  The migration") || $0.hasPrefix("  Fix the database") || $0.hasPrefix("  The whole run")) }
                    .joined(separator: "\n")
                return (rollback.ok ? .rolledBack : .rollbackFailed, "\(facts)\n\(what)", failure)
            }
            if outcome.0 == .ok, backupEntry != nil {
                do {
                    let catalog = BackupCatalog(directory: settings.backupDirectory)
                    let doomed = try catalog.prunable(keepDays: settings.keepDays, keep: settings.keep)
                    try catalog.remove(doomed)
                    if !doomed.isEmpty { progress(.note("pruned \(doomed.count) old backup(s)")) }
                } catch {
                    box.with { $0.warnings.append("pruning old backups failed: \(error)") }
                }
            }
            return finish(outcome.0, error: outcome.1, cause: outcome.2)
        } catch {
            box.with { $0.migrations = done.withLock { $0 } }
            if Task.isCancelled || error is CancellationError {
                return finish(.interrupted, error: "\(error)", cause: error)
            }
            if !box.with({ $0.stages.contains(where: { $0.stage == .apply }) }) { stage(.apply, ok: false, since: applyStart, "\(error)") }
            if box.with({ $0.migrations.isEmpty }) { return finish(.failed, error: "\(error)", cause: error) }
            return finish(.rollbackFailed, error: "\(error)", cause: error)
        }
    }
}

/// The report under construction, shared by the stages.
final class ReportBox: Sendable {
    private let report: Mutex<SafetyReport>
    init(_ r: SafetyReport) { report = Mutex(r) }
    @discardableResult
    func with<R>(_ body: (inout SafetyReport) -> R) -> R { report.withLock { body(&$0) } }
}
