import Foundation
import StrataKit

/// `strata down --confirm-delay 10s`: names the migrations about to be reverted, warns that their down sections
/// may delete data, and waits, so that whoever watches the log (a rollback Job's, a terminal) can still stop it.
/// SIGINT or SIGTERM during the wait cancels the run before anything is reverted (exit 130 / 143).
enum ConfirmDelay {
    static func warnAndWait(_ request: PlanRequest, delay: Duration, ctx: CommandContext) async throws {
        let migrations = try await ctx.loadMigrations()
        let migrator = ctx.migrator()
        let policy = PlanPolicy(allowOutOfOrder: ctx.config.allowOutOfOrder)
        let plan = try await migrator.driver.withSession(readOnly: true) { session in
            let bound = try await migrator.bound(to: session)
            guard try await bound.store.exists(on: session) else { return MigrationPlan(steps: []) }
            let applied = try await bound.store.applied(on: session)
            return try Planner.plan(migrations: migrations, applied: applied, request: request, policy: policy)
        }
        // Nothing to revert: the run says so itself.
        guard !plan.isEmpty else { return }
        let out = ctx.output
        let n = plan.steps.count
        var text = out.paint("WARNING:", .red) + " about to revert \(n) migration\(n == 1 ? "" : "s") on \(ctx.config.target.display); "
            + "their down sections may delete data:\n"
        for step in plan.steps { text += "  \(step.migration.version.digits) \(step.migration.name)\n" }
        text += "Reverting in \(DurationText.format(delay)); press Ctrl-C (in Kubernetes: delete the Job) to cancel.\n"
        // Not silenced by --quiet: this is the last chance to stop a data-losing rollback.
        out.raw(text, toStderr: true)
        try await Task.sleep(for: delay)
    }
}
