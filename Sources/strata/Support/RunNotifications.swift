import Foundation
import StrataKit
import Synchronization

/// The notifications of one `up` / `down` / `redo`: `start` before the run, then `success` / `rollback` / `failure`.
/// Delivery never changes the run: it never throws, each channel has its own time limit, and failed deliveries
/// are printed as warnings (and listed under `notifications` in `--json`).
final class RunNotifications: Sendable {
    private let ctx: CommandContext
    private let request: PlanRequest
    private let runID: String
    private let dispatcher: NotificationDispatcher?
    private let settings: NotifySettings?
    private let startedAt = Date()
    private let clock = ContinuousClock()
    private let startInstant: ContinuousClock.Instant
    private let state = Mutex(State())

    private struct State {
        var steps: [RunFacts.Step] = []
        var output: [String] = []
        var results: [DeliveryResult] = []
        var finished = false
    }

    init(ctx: CommandContext, request: PlanRequest, runID: String, dryRun: Bool) {
        self.ctx = ctx
        self.request = request
        self.runID = runID
        self.startInstant = clock.now
        var settings: NotifySettings?
        if !dryRun {
            do {
                let s = try Self.settings(for: ctx.config)
                settings = s.isEmpty ? nil : s
            } catch {
                ctx.output.note(ctx.output.paint("warning: ", .yellow) + "notifications are off for this run: \(error)")
            }
        }
        self.settings = settings
        let out = ctx.output
        self.dispatcher = settings?.dispatcher(redactor: ctx.config.redactor) { line in out.debug(line) }
    }

    /// The notification settings of `config` (variables, then `[notify]` in strata.toml).
    static func settings(for config: StrataConfig) throws(ConfigError) -> NotifySettings {
        var project = URL(fileURLWithPath: config.baseDirectory).lastPathComponent
        if case .string(let p)? = config.setting("project"), !p.isEmpty { project = p }
        return try NotifySettings.resolve(variables: config.variables, table: config.setting("notify"), defaultProject: project,
                                          baseDirectory: config.baseDirectory,
                                          place: "\(config.configFile ?? "strata.toml") [\(config.environment.map { "environments.\($0)." } ?? "")notify]")
    }

    /// The environment's name in messages.
    static func environmentName(_ config: StrataConfig, _ settings: NotifySettings?) -> String {
        settings?.environment ?? config.environment ?? "default"
    }

    /// Records what the run does, for the facts and the output excerpt.
    func observe(_ event: RunEvent) {
        guard dispatcher != nil else { return }
        state.withLock { s in
            switch event {
            case .stepFinished(let i, let n, let step, let d):
                let ms = DurationText.milliseconds(d)
                s.steps.append(RunFacts.Step(version: step.migration.version.digits, name: step.migration.name, direction: step.direction.rawValue, durationMs: ms))
                s.output.append("✓ [\(i)/\(n)] \(step.direction.rawValue) \(step.migration.version.digits) \(step.migration.name) (\(DurationText.format(d)))")
            case .stepFailed(let i, let n, let step, _):
                s.output.append("✗ [\(i)/\(n)] \(step.direction.rawValue) \(step.migration.version.digits) \(step.migration.name)")
            case .planned(let plan):
                s.output.append("planned \(plan.steps.count) step\(plan.steps.count == 1 ? "" : "s")")
            default:
                break
            }
        }
    }

    /// Runs `body`; when it throws, sends the failure notification and rethrows the same error.
    func watch<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        do { return try await body() } catch {
            await failed(error)
            throw error
        }
    }

    /// Sends `start` to the channels that selected it.
    func start() async {
        guard let dispatcher, !dispatcher.notifiers(for: .start).isEmpty else { return }
        record(await deliver(dispatcher, facts(.start)))
    }

    /// Sends `success` (or `rollback` for a `down` that reverted migrations) after a run.
    func finished(_ report: RunReport) async {
        guard let dispatcher, report.outcome != .dryRun, markFinished() else { return }
        var outcome: NotifyEvent = report.outcome == .failed ? .failure : .success
        if case .down = request, !report.steps.isEmpty, outcome == .success { outcome = .rollback }
        var f = facts(outcome)
        f.fromVersion = report.fromVersion?.digits
        f.toVersion = report.toVersion?.digits
        f.migrations = report.steps.map { RunFacts.Step(version: $0.version.digits, name: $0.name, direction: $0.direction.rawValue, durationMs: $0.durationMs) }
        f.durationMs = report.durationMs
        f.error = report.error
        record(await deliver(dispatcher, f))
    }

    /// Sends the end of a safe run: `success` or `failure`, then `rollback` too when the automatic rollback ran.
    func finished(safe report: SafetyReport) async {
        guard let dispatcher, markFinished() else { return }
        let outcome: NotifyEvent = report.outcome == .ok || report.outcome == .nothing ? .success : .failure
        record(await deliver(dispatcher, safeFacts(report, outcome)))
        if report.rollback != nil { record(await deliver(dispatcher, safeFacts(report, .rollback))) }
    }

    private func safeFacts(_ report: SafetyReport, _ outcome: NotifyEvent) -> RunFacts {
        let run = report.runReport
        var f = facts(outcome)
        f.fromVersion = run.fromVersion?.digits
        f.toVersion = run.toVersion?.digits
        f.migrations = run.steps.map { RunFacts.Step(version: $0.version.digits, name: $0.name, direction: $0.direction.rawValue, durationMs: $0.durationMs) }
        f.durationMs = run.durationMs
        f.error = report.error
        if outcome != .success { f.outputExcerpt = String(report.text.suffix(8000)) }
        return f
    }

    /// Sends `failure` for a run that threw `error`.
    func failed(_ error: any Error) async {
        guard let dispatcher, markFinished() else { return }
        var f = facts(.failure)
        let full = "\(error)"
        if let m = error as? MigrationFailure {
            f.error = "migration \(m.version.digits) \(m.name) failed (\(m.direction.rawValue)): " + (m.cause.split(separator: "\n").first.map(String.init) ?? m.cause)
        } else {
            f.error = full.split(separator: "\n").first.map(String.init) ?? full
        }
        let lines = state.withLock { $0.output } + ["", full]
        f.outputExcerpt = String(lines.suffix(60).joined(separator: "\n").suffix(8000))
        record(await deliver(dispatcher, f))
    }

    /// What to print for `--json`: the report itself, plus `notifications` when any were sent.
    func reportJSON(_ report: RunReport) -> ReportWithNotifications {
        ReportWithNotifications(report: report, notifications: state.withLock { $0.results })
    }

    /// Every delivery so far.
    var results: [DeliveryResult] { state.withLock { $0.results } }

    private func markFinished() -> Bool {
        state.withLock { s in
            if s.finished { return false }
            s.finished = true
            return true
        }
    }

    private func facts(_ outcome: NotifyEvent) -> RunFacts {
        let steps = state.withLock { $0.steps }
        return RunFacts(outcome: outcome, environment: Self.environmentName(ctx.config, settings), project: settings?.project ?? "strata",
                        database: ctx.config.target.display, command: Self.describe(request), migrations: steps,
                        durationMs: DurationText.milliseconds(clock.now - startInstant), timestamp: outcome == .start ? startedAt : Date(),
                        runID: runID, strataVersion: StrataVersion.current)
    }

    /// Delivers outside the run's task, so that a cancelled run (SIGINT, --timeout) still gets its failure out
    /// while the process is allowed to live.
    private func deliver(_ dispatcher: NotificationDispatcher, _ facts: RunFacts) async -> [DeliveryResult] {
        await Task.detached { await dispatcher.deliver(facts) }.value
    }

    private func record(_ results: [DeliveryResult]) {
        state.withLock { $0.results += results }
        for r in results where r.status == .failed {
            ctx.output.note(ctx.output.paint("warning: ", .yellow)
                + "\(r.channel.rawValue) notification (\(r.event.rawValue)) to \(r.target) failed after \(r.attempts) attempt\(r.attempts == 1 ? "" : "s"): \(r.detail ?? "unknown error")")
        }
        for r in results where r.status == .sent {
            ctx.output.debug("\(r.channel.rawValue) notification (\(r.event.rawValue)) sent to \(r.target) in \(r.durationMs) ms")
        }
    }

    static func describe(_ request: PlanRequest) -> String {
        switch request {
        case .up(let to): return "up" + (to.map { " --to \($0.digits)" } ?? "")
        case .down(let steps, let to): return "down" + (to.map { " --to \($0.digits)" } ?? " --steps \(steps)")
        case .redo(let steps): return "redo" + (steps == 1 ? "" : " --steps \(steps)")
        }
    }
}

/// `RunReport` JSON with `notifications` added (only when there are some, so the report's shape is otherwise unchanged).
struct ReportWithNotifications: Encodable {
    var report: RunReport
    var notifications: [DeliveryResult]

    enum Keys: String, CodingKey { case notifications }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        guard !notifications.isEmpty else { return }
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(notifications, forKey: .notifications)
    }
}
