import Foundation
import StrataCore

extension SafeMigration {
    /// Undoes what this run applied: down sections newest first (then validation again); if a migration has no down
    /// section, a down fails, the failure left a dirty migration, or validation still fails, restores the backup.
    func roll(back done: [RunReport.Step], after failure: any Error, locked: Migrator.Locked, backup: BackupCatalog.Entry?) async -> SafetyReport.Rollback {
        let start = ContinuousClock.now
        let ctx = migrator.context
        let reason = redactor.redact("\(failure)").split(separator: "\n").first.map(String.init) ?? "failure"
        var result = SafetyReport.Rollback(method: "down", ok: false, reverted: [], durationMs: 0, error: nil, validation: nil, attempts: [])
        progress(.stageStarted(.rollback, "rolling back this run: \(reason)"))
        let dirty = (failure as? MigrationFailure)?.dirty ?? false
        let appliedUp = done.filter { $0.direction == .up }
        func finished() -> SafetyReport.Rollback {
            result.durationMs = milliseconds(since: start)
            return result
        }
        func record(_ event: MigrationEvent) async {
            try? await locked.session.execute(locked.store.insert(event))
        }

        if appliedUp.isEmpty && !dirty {
            result.method = "transaction"
            result.ok = true
            result.attempts.append("the failed migration was rolled back with its transaction; no earlier migration of this run was applied")
            return finished()
        }

        // First: down sections, if every applied migration has one and they are the newest applied.
        if !dirty {
            let byVersion = Dictionary(migrations.map { ($0.version, $0) }, uniquingKeysWith: { a, _ in a })
            let missingDown = appliedUp.filter { byVersion[$0.version]?.down == nil }
            var newestAreOurs = false
            if let rows = try? await locked.store.applied(on: locked.session) {
                let newest = rows.filter { $0.state == .applied }.map(\.version).sorted().suffix(appliedUp.count)
                newestAreOurs = Set(newest) == Set(appliedUp.map(\.version))
            }
            if !missingDown.isEmpty {
                result.attempts.append("down sections: not possible, no down section in \(missingDown.map(\.version.digits).joined(separator: ", "))")
            } else if !newestAreOurs {
                result.attempts.append("down sections: not possible, this run's migrations are not the newest applied (out-of-order run)")
            } else {
                do {
                    let migrations = self.migrations
                    var opts = options
                    opts.singleTransaction = false
                    let down = try await migrator.run(.down(steps: appliedUp.count, to: nil), migrations: migrations, options: opts, locked: locked)
                    result.reverted = down.steps.map(\.version.digits)
                    for step in down.steps {
                        await record(MigrationEvent(runID: ctx.runID, version: step.version, direction: .down, outcome: .rolledBack, startedAt: Date(),
                                                    finishedAt: Date(), error: "automatic rollback: \(reason)", environment: ctx.environment,
                                                    host: ctx.host, user: ctx.user))
                    }
                    let validation = try await validator.validate(on: locked.session, dialect: migrator.driver.dialect, verify: [])
                    result.validation = validation
                    if validation.ok {
                        result.attempts.append("down sections: reverted \(result.reverted.joined(separator: ", ")); validation passed")
                        result.ok = true
                        return finished()
                    }
                    result.attempts.append("down sections: reverted, but validation still fails:\n" + validation.failureSummary)
                } catch {
                    result.attempts.append("down sections: failed: \(redactor.redact("\(error)"))")
                }
            }
        } else {
            result.attempts.append("down sections: not used, the failed migration ran outside a transaction and is partly applied")
        }

        // Then: the backup.
        result.method = "restore"
        guard let backup else {
            result.error = "no backup to restore (--skip-backup)"
            result.attempts.append("restore: not possible, no backup was taken")
            return finished()
        }
        do {
            progress(.note("restoring \(backup.backupPath)"))
            try await BackupService(target: target, makeDriver: makeDriver, directory: settings.backupDirectory).restore(backup)
            // The restore brought back the history as it was at the backup: record what happened since.
            for step in appliedUp {
                await record(MigrationEvent(runID: ctx.runID, version: step.version, direction: .up, outcome: .rolledBack, startedAt: Date(), finishedAt: Date(),
                                            error: "undone by restoring \(backup.manifest.file): \(reason)", environment: ctx.environment, host: ctx.host, user: ctx.user))
            }
            await record(MigrationEvent(runID: ctx.runID, version: backup.manifest.fromVersion.flatMap(MigrationVersion.init), direction: .restore,
                                        outcome: .ok, startedAt: Date(), finishedAt: Date(), error: "restored \(backup.manifest.file) after: \(reason)",
                                        environment: ctx.environment, host: ctx.host, user: ctx.user))
            result.reverted = appliedUp.map(\.version.digits)
            result.attempts.append("restore: \(backup.backupPath) restored")
            result.ok = true
        } catch {
            result.error = redactor.redact("restoring \(backup.backupPath) failed: \(error)")
            result.attempts.append("restore: failed: \(redactor.redact("\(error)"))")
        }
        return finished()
    }
}
