import Foundation
import StrataKit

/// The shared body of `up`, `down` and `redo`: load, plan under the lock, apply, report.
enum MigrationRun {
    static func perform(_ request: PlanRequest, flags: RunFlags, ctx: CommandContext) async throws {
        let out = ctx.output
        let migrations = try await ctx.loadMigrations()
        var options = RunOptions()
        options.dryRun = flags.dryRun
        options.singleTransaction = flags.singleTransaction
        options.statementTimeout = ctx.config.statementTimeout
        options.lockTimeout = ctx.config.lockTimeout
        options.lockWait = ctx.config.lockWait
        options.policy = PlanPolicy(allowOutOfOrder: ctx.config.allowOutOfOrder)
        let lockWait = options.lockWait
        let dryRun = options.dryRun
        let progress = ProgressLine(output: out)
        let target = ctx.config.target.display
        let verb = if case .up = request { "Applying" } else if case .down = request { "Reverting" } else { "Redoing" }

        let runOptions = options
        let report = try await ctx.migrator().run(request, migrations: migrations, options: runOptions) { event in
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
        progress.stop()
        if out.json { out.emitJSON(report); return }
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
