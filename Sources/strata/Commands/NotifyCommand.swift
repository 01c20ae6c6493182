import ArgumentParser
import Foundation
import StrataKit

/// `strata notify test`: send a test message on each configured channel and say what happened.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Run notifications (e-mail, Sentry, Slack, webhook).",
        subcommands: [NotifyTestCommand.self]
    )
}

struct NotifyTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Send a test notification on every configured channel (or one) and report per channel what happened.",
        discussion: "Exit codes: 0 every tested channel accepted the message, 1 a delivery failed, 2 nothing (or not the chosen channel) is configured."
    )

    @Option(help: ArgumentHelp("Only this channel: email, sentry, slack or webhook.", valueName: "channel"))
    var channel: String?

    @OptionGroup var global: GlobalOptions

    struct JSON: Encodable {
        var ok: Bool
        var project: String
        var environment: String
        var channels: [DeliveryResult]
    }

    static let hints: [NotifyChannel: String] = [
        .email: "set SMTP_SERVER and FROM_EMAIL, or [notify.email] in strata.toml",
        .sentry: "set SENTRY_DSN, or [notify.sentry] dsn",
        .slack: "set SLACK_WEBHOOK_URL, or [notify.slack] webhook_url",
        .webhook: "set STRATA_WEBHOOK_URL, or [notify.webhook] url",
    ]

    func validate() throws {
        if let channel, NotifyChannel(rawValue: channel.lowercased()) == nil {
            throw ValidationError("--channel \(channel): not one of email, sentry, slack, webhook")
        }
    }

    func run() async throws {
        let only = channel.flatMap { NotifyChannel(rawValue: $0.lowercased()) }
        try await CommandContext.run(global) { ctx in
            let settings = try RunNotifications.settings(for: ctx.config)
            let out = ctx.output
            let dispatcher = settings.dispatcher(redactor: ctx.config.redactor) { out.debug($0) }
            if let only, !settings.channels.contains(only) {
                throw CommandFailure(.usage, "the \(only.rawValue) channel is not configured: \(Self.hints[only] ?? "")")
            }
            if settings.isEmpty {
                throw CommandFailure(.usage, "no notification channel is configured: set SMTP_SERVER, SENTRY_DSN, SLACK_WEBHOOK_URL or STRATA_WEBHOOK_URL, or add a [notify] table to strata.toml")
            }
            let environment = RunNotifications.environmentName(ctx.config, settings)
            let facts = RunFacts(outcome: .success, environment: environment, project: settings.project, database: ctx.config.target.display,
                                 command: "notify test", runID: "test-" + RunContext.newRunID(), strataVersion: StrataVersion.current, isTest: true)
            let chosen = dispatcher.notifiers.filter { only == nil || $0.channel == only }
            if !out.json { out.line("Sending a test notification on \(chosen.map(\.channel.rawValue).joined(separator: ", "))…") }
            var results = await dispatcher.deliver(facts, only: chosen)
            if only == nil {
                for c in NotifyChannel.allCases where !settings.channels.contains(c) {
                    results.append(DeliveryResult(channel: c, event: .success, status: .skipped, attempts: 0, durationMs: 0, target: "",
                                                  detail: "not configured (\(Self.hints[c] ?? ""))"))
                }
            }
            let ok = !results.contains { $0.status == .failed }
            if out.json {
                out.emitJSON(JSON(ok: ok, project: settings.project, environment: environment, channels: results))
            } else {
                for r in results {
                    let mark = r.status == .sent ? out.paint("✓", .green) : r.status == .failed ? out.paint("✗", .red) : out.paint("-", .dim)
                    let place = r.target.isEmpty ? "" : " \(r.target)"
                    let time = r.status == .skipped ? "" : " (\(r.attempts) attempt\(r.attempts == 1 ? "" : "s"), \(DurationText.format(.milliseconds(r.durationMs))))"
                    out.line("  \(mark) \(r.channel.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(r.status.rawValue)\(place)\(time): \(r.detail ?? "")")
                }
            }
            if !ok { throw ExitCode(StrataExit.failure.rawValue) }
        }
    }
}
