import Foundation
import StrataCore

/// E-mail over SMTP: a multipart/alternative message (text + HTML from the mustache templates) with the seed's subject.
public struct EmailNotifier: Notifier {
    public let settings: EmailSettings
    /// Applied to the subject and both bodies once more before sending.
    public let redactor: Redactor

    public init(settings: EmailSettings, redactor: Redactor) {
        self.settings = settings
        self.redactor = redactor
    }

    public var channel: NotifyChannel { .email }
    public var events: Set<NotifyEvent> { settings.events }
    public var policy: DeliveryPolicy { settings.policy }
    public var target: String { settings.target }

    /// The message that ``send(_:)`` delivers (CRLF line endings, before dot-stuffing).
    public func message(for facts: RunFacts) throws -> String {
        let templates = try EmailTemplates.load(directory: settings.templatesDirectory)
        let bodies = templates.render(facts)
        let mime = MIMEMessage(fromEmail: settings.fromEmail, fromName: settings.fromName.map(redactor.redact), to: settings.recipients,
                               subject: redactor.redact(MessageText.subject(facts)), text: redactor.redact(bodies.text),
                               html: redactor.redact(bodies.html), date: Date(),
                               extraHeaders: [("X-Strata-Run-ID", facts.runID), ("X-Strata-Event", facts.outcome.rawValue),
                                              ("X-Mailer", "strata \(facts.strataVersion)")])
        return mime.render()
    }

    public func send(_ facts: RunFacts) async throws -> String {
        let text = try message(for: facts)
        return try await SMTPClient(settings: settings).send(from: settings.fromEmail, to: settings.recipients, message: text)
    }
}
