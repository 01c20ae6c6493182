import ArgumentParser
import Foundation
import StrataKit

/// `strata up` with safety on: prints each stage, writes the report and log, and exits with the outcome's code.
enum SafeUp {
    /// The resolved safety settings when they apply to this run (an `up`, not a dry run), else nil.
    static func settings(for request: PlanRequest, flags: RunFlags, safety: SafetyOptions?, config: StrataConfig) throws -> SafetySettings? {
        guard case .up = request, !flags.dryRun, let safety else { return nil }
        let settings = try SafetySettings.resolve(config: config, flags: safety.flags)
        return settings.enabled ? settings : nil
    }

    /// Runs the stages; the caller adds notifications, then calls ``write(_:log:settings:ctx:)`` and ``conclude(_:ctx:target:)``.
    static func perform(_ request: PlanRequest, flags: RunFlags, settings: SafetySettings, migrations: [Migration], migrator: Migrator,
                        ctx: CommandContext, render: @escaping @Sendable (RunEvent) -> Void) async throws -> (SafetyReport, SafetyLog) {
        let out = ctx.output
        var options = RunOptions()
        options.singleTransaction = flags.singleTransaction
        options.statementTimeout = ctx.config.statementTimeout
        options.lockTimeout = ctx.config.lockTimeout
        options.lockWait = ctx.config.lockWait
        options.policy = PlanPolicy(allowOutOfOrder: ctx.config.allowOutOfOrder)
        var stages = ["validation", "automatic rollback"]
        if settings.rehearsal { stages.insert("rehearsal on a copy", at: 0) }
        if settings.backup { stages.insert("backup", at: 0) }
        out.line(out.paint("Safety on for \(settings.environmentName): \(stages.joined(separator: ", "))\(settings.force ? " (--force)" : "")", .dim))
        var safe = SafeMigration(settings: settings, target: ctx.config.target, makeDriver: { Drivers.driver(for: $0) },
                                 migrator: migrator, migrations: migrations, request: request, options: options)
        safe.timeout = ctx.config.runTimeout
        let log = safe.log
        let progress = ProgressLine(output: out)
        safe.onProgress = { p in
            switch p {
            case .stageStarted(let stage, let text):
                if stage == .apply { return }
                progress.start("\(stage.title): \(text)")
            case .stageFinished(let stage, let ok, let text, let ms):
                progress.stop()
                if stage == .apply && ok { return }
                let mark = ok ? out.paint("✓", .green) : out.paint("✗", .red)
                // A failure's details come once, at the end; the stage line keeps its first line.
                let shown = ok ? text : String(text.split(separator: "\n").first ?? "")
                out.line("\(mark) \(stage.title) \(out.paint("(\(DurationText.format(.milliseconds(ms))))", .dim)): \(shown)")
            case .note(let text):
                out.debug(text)
            }
        }
        safe.onEvent = { event in
            switch event {
            case .stepFinished(let i, let n, let step, let d):
                log.add("[apply] [\(i)/\(n)] \(step.direction.rawValue) \(step.migration.label) ok (\(DurationText.format(d)))")
            case .stepFailed(let i, let n, let step, let error):
                log.add("[apply] [\(i)/\(n)] \(step.direction.rawValue) \(step.migration.label) FAILED\n\(error)")
            default: break
            }
            render(event)
        }
        let report = try await safe.run()
        progress.stop()
        return (report, log)
    }

    /// Writes the report, its JSON and the run's log into the report directory (not for a run with nothing to do).
    static func write(_ report: inout SafetyReport, log: SafetyLog, settings: SafetySettings, ctx: CommandContext) {
        guard report.outcome != .nothing else { return }
        do {
            _ = try report.write(to: settings.reportDirectory, log: log.all, redactor: ctx.config.redactor)
        } catch {
            ctx.output.note(ctx.output.paint("warning: ", .yellow) + "could not write the report: \(error)")
        }
    }

    /// Prints the end of a safe run and throws the exit code of a failed one.
    static func conclude(_ report: SafetyReport, ctx: CommandContext, target: String) throws {
        let out = ctx.output
        if out.json {
            out.emitJSON(report)
        } else {
            switch report.outcome {
            case .nothing:
                out.line("Nothing to do: \(target) is up to date (at \(report.toVersion ?? "nothing applied")).")
            case .ok:
                out.line("Done: \(report.migrations.count) migration\(report.migrations.count == 1 ? "" : "s") applied and validated in \(DurationText.format(.milliseconds(report.durationMs))); now at \(report.toVersion ?? "?").")
            default:
                break
            }
            for w in report.warnings { out.note(out.paint("warning: ", .yellow) + w) }
            if let text = report.reportFiles.first { out.line(out.paint("Report: \(text)", .dim)) }
        }
        let code: StrataExit
        switch report.outcome {
        case .ok, .nothing: return
        case .rehearsalFailed: code = .rehearsalFailed
        case .rolledBack: code = .rolledBack
        case .rollbackFailed: code = .rollbackFailed
        case .interrupted: code = Interruption.shared.exitCode ?? .interrupted
        case .failed: code = report.cause.map { StrataExit.code(for: $0) } ?? .failure
        }
        let final = report.cause is SafetyTimeout && code == .failure ? .timedOut : code
        if out.json {
            // One JSON document on stdout: the report (it holds the error); the message goes to stderr.
            out.note("error: " + (report.error ?? "the safe run failed"))
            throw ExitCode(final.rawValue)
        }
        throw CommandFailure(final, report.error ?? "the safe run failed")
    }
}
