import StrataCore

/// Run notifications: e-mail (SMTP), Sentry, Slack and generic webhooks, behind one ``Notifier`` protocol.
extension NotifySettings {
    /// One notifier per configured channel, each redacting with `redactor` extended by ``secrets``.
    public func makeNotifiers(redactor base: Redactor = Redactor()) -> [any Notifier] {
        let r = extend(base)
        var out: [any Notifier] = []
        if let email { out.append(EmailNotifier(settings: email, redactor: r)) }
        if let sentry { out.append(SentryNotifier(settings: sentry, redactor: r)) }
        if let slack { out.append(SlackNotifier(settings: slack, redactor: r)) }
        if let webhook { out.append(WebhookNotifier(settings: webhook, redactor: r)) }
        return out
    }

    /// A dispatcher for every configured channel.
    public func dispatcher(redactor base: Redactor = Redactor(), log: @escaping @Sendable (String) -> Void = { _ in }) -> NotificationDispatcher {
        NotificationDispatcher(notifiers: makeNotifiers(redactor: base), redactor: extend(base), log: log)
    }
}
