import Foundation
import StrataCore

/// A Slack incoming-webhook message: a fallback `text`, a header block, and an attachment coloured by outcome
/// holding the facts as blocks (fields, migrations, error).
public struct SlackNotifier: Notifier {
    public let settings: SlackSettings
    public let redactor: Redactor

    public init(settings: SlackSettings, redactor: Redactor) {
        self.settings = settings
        self.redactor = redactor
    }

    public var channel: NotifyChannel { .slack }
    public var events: Set<NotifyEvent> { settings.events }
    public var policy: DeliveryPolicy { settings.policy }
    public var target: String { HTTPPoster.host(settings.webhookURL.absoluteString) }

    /// The payload object.
    public func payload(for f: RunFacts) -> [String: Any] {
        // Slack reads `&`, `<` and `>` as markup (links, mentions): escaped, so an error message shows as written.
        func text(_ s: String) -> [String: Any] { ["type": "mrkdwn", "text": Self.escape(s)] }
        var fields: [[String: Any]] = [
            text("*Environment*\n\(f.environment)"), text("*Host*\n\(f.host)"),
            text("*Duration*\n\(MessageText.duration(f.durationMs))"), text("*Timestamp*\n\(MessageText.timestamp(f.timestamp))"),
        ]
        if f.fromVersion != nil || f.toVersion != nil {
            fields.append(text("*Versions*\n\(f.fromVersion ?? "none") → \(f.toVersion ?? "none")"))
        }
        if let c = f.command { fields.append(text("*Command*\n`strata \(c)`")) }
        var details: [[String: Any]] = [["type": "section", "text": text(MessageText.headline(f)), "fields": Array(fields.prefix(10))]]
        if !f.migrations.isEmpty {
            let lines = f.migrations.prefix(20).map { "• `\($0.version)` \($0.name) (\($0.direction), \(MessageText.duration($0.durationMs)))" }
            let more = f.migrations.count > 20 ? "\n…and \(f.migrations.count - 20) more" : ""
            details.append(["type": "section", "text": text("*Migrations (\(f.migrations.count))*\n" + lines.joined(separator: "\n") + more)])
        }
        if let e = f.error {
            details.append(["type": "section", "text": text("*Error*\n```\(String(e.prefix(2500)))```")])
        }
        details.append(["type": "context", "elements": [text("run `\(f.runID)` · strata \(f.strataVersion)\(f.isTest ? " · test message" : "")")]])
        let title = MessageText.subject(f)
        return [
            "text": Self.escape(title),
            "blocks": [["type": "header", "text": ["type": "plain_text", "text": String(title.prefix(150)), "emoji": true]]],
            "attachments": [["color": MessageText.color(f.outcome), "fallback": Self.escape(MessageText.headline(f)), "blocks": details]],
        ]
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    public func send(_ facts: RunFacts) async throws -> String {
        let body = redactor.redact(String(decoding: try NotifyJSON.serialize(payload(for: facts)), as: UTF8.self))
        let poster = HTTPPoster(caFile: settings.caFile, timeout: settings.policy.timeout)
        return try await poster.post(url: settings.webhookURL.absoluteString, body: Array(body.utf8), headers: [
            ("Content-Type", "application/json; charset=utf-8"), ("User-Agent", "strata/\(facts.strataVersion)"),
        ])
    }
}
