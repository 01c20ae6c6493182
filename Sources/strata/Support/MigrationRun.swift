import Foundation
import StrataKit

/// The shared body of `up`, `down` and `redo`: load, plan under the lock, apply, report.
enum MigrationRun {
    /// - Parameter preflight: a read-only check of the database (`up`'s foreign-history guard) that runs while the
    ///   migrations are read and parsed, so its connection costs no time of its own. Its error is thrown first, as
    ///   when it ran before the files were read: before a problem in the migrations, and before the run is
    ///   recorded, notified, locked or run.
    static func perform(_ request: PlanRequest, flags: RunFlags, ctx: CommandContext, safety: SafetyOptions? = nil,
                        preflight: (@Sendable (Migrator) async throws -> Void)? = nil) async throws {
        let migrator = ctx.migrator()
        // The lock's connection opens while the files are read (and the preflight reads the database). Not for a safe
        // run: its rehearsal copies the database as a template, which needs no other session connected to it.
        let safeRun = ((try? SafeUp.settings(for: request, flags: flags, safety: safety, config: ctx.config)) ?? nil) != nil
        if !flags.dryRun && !safeRun { migrator.prepareLock() }
        do {
            try await perform(request, flags: flags, ctx: ctx, safety: safety, migrator: migrator, preflight: preflight)
        } catch {
            await migrator.driver.closeKeptConnection()
            throw error
        }
        await migrator.driver.closeKeptConnection()
    }

    private static func perform(_ request: PlanRequest, flags: RunFlags, ctx: CommandContext, safety: SafetyOptions?, migrator: Migrator,
                                preflight: (@Sendable (Migrator) async throws -> Void)?) async throws {
        let out = ctx.output
        async let checked: Void? = preflight?(migrator)
        let loaded: Result<[Migration], any Error>
        do { loaded = .success(try await ctx.loadMigrations()) } catch { loaded = .failure(error) }
        _ = try await checked
        let recorder = RunRecorder.begin(ctx: ctx, runID: migrator.context.runID, dryRun: flags.dryRun)
        let notify = RunNotifications(ctx: ctx, request: request, runID: migrator.context.runID, dryRun: flags.dryRun)
        let migrations = try await notify.watch { try loaded.get() }
        var options = RunOptions()
        options.dryRun = flags.dryRun
        options.singleTransaction = flags.singleTransaction
        options.statementTimeout = ctx.config.statementTimeout
        options.lockTimeout = ctx.config.lockTimeout
        options.lockWait = ctx.config.lockWait
        options.policy = PlanPolicy(allowOutOfOrder: ctx.config.allowOutOfOrder)
        // STRATA_BATCH=0 sends every statement on its own (for comparisons in bench/run.sh; see README "Benchmarks").
        options.batchStatements = ProcessInfo.processInfo.environment["STRATA_BATCH"] != "0"
        let lockWait = options.lockWait
        let dryRun = options.dryRun
        let progress = ProgressLine(output: out)
        let target = ctx.config.target.display
        let verb = if case .up = request { "Applying" } else if case .down = request { "Reverting" } else { "Redoing" }

        let runOptions = options
        await notify.start()
        let render: @Sendable (RunEvent) -> Void = { event in
            notify.observe(event)
            recorder?.record(event)
            switch event {
            case .lockWaiting(let holder):
                out.note("Waiting up to \(DurationText.format(lockWait)) for the migration lock\(holder.map { ", held by \($0)" } ?? "")…")
            case .lockAcquired:
                break
            case .planned(let plan):
                if dryRun {
                    out.line(out.paint("-- dry run: \(plan.steps.count) step\(plan.steps.count == 1 ? "" : "s") on \(target); nothing is changed", .dim))
                } else if !plan.isEmpty {
                    out.line("\(verb) \(plan.steps.count) migration\(plan.steps.count == 1 ? "" : "s") on \(target)")
                }
            case .stepStarted(let i, let n, let step):
                progress.start("[\(i)/\(n)] \(step.direction == .up ? "up" : "down") \(step.migration.label)")
            case .stepFinished(let i, let n, let step, let d):
                progress.stop()
                out.line("  \(out.paint("✓", .green)) [\(i)/\(n)] \(step.direction == .up ? "up  " : "down") \(step.migration.version.digits) \(step.migration.name) \(out.paint("(\(DurationText.format(d)))", .dim))")
            case .stepFailed(let i, let n, let step, _):
                progress.stop()
                out.line("  \(out.paint("✗", .red)) [\(i)/\(n)] \(step.direction == .up ? "up  " : "down") \(step.migration.version.digits) \(step.migration.name)")
            case .dryRunSQL(let sql):
                // A statement may end in a line comment: put the terminator on its own line then.
                let lastLine = sql.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
                out.line(sql.hasSuffix(";") ? sql : lastLine.contains("--") ? sql + "\n;" : sql + ";")
            }
        }
        if let settings = try SafeUp.settings(for: request, flags: flags, safety: safety, config: ctx.config) {
            var (safe, log) = try await notify.watch {
                try await SafeUp.perform(request, flags: flags, settings: settings, migrations: migrations, migrator: migrator, ctx: ctx, render: render)
            }
            await notify.finished(safe: safe)
            safe.notifications = notify.results.map {
                SafetyReport.Notification(channel: $0.channel.rawValue, event: $0.event.rawValue, status: $0.status.rawValue, attempts: $0.attempts,
                                          target: $0.target, detail: $0.detail)
            }
            SafeUp.write(&safe, log: log, settings: settings, ctx: ctx)
            try SafeUp.conclude(safe, ctx: ctx, target: target)
            return
        }
        let report = try await notify.watch { try await migrator.run(request, migrations: migrations, options: runOptions, onEvent: render) }
        progress.stop()
        await notify.finished(report)
        if out.json { out.emitJSON(notify.reportJSON(report)); return }
        let now = report.toVersion?.digits ?? "nothing applied"
        switch report.outcome {
        case .nothing:
            out.line("Nothing to do: \(target) is up to date (at \(now)).")
        case .ok:
            out.line("Done: \(report.steps.count) step\(report.steps.count == 1 ? "" : "s") in \(DurationText.format(.milliseconds(report.durationMs))); now at \(now).")
        case .dryRun:
            out.line(out.paint("-- end of dry run; the database was not changed", .dim))
        case .failed:
            break
        }
    }
}
