import Foundation
import StrataCore

/// How long a channel may take and how often it retries.
public struct DeliveryPolicy: Sendable, Hashable {
    /// The whole delivery on one channel, retries included.
    public var timeout: Duration = .seconds(10)
    /// Extra attempts after the first one fails with a temporary error.
    public var retries: Int = 2
    /// The wait before the first retry; doubled for each further one.
    public var backoff: Duration = .milliseconds(500)
    public init(timeout: Duration = .seconds(10), retries: Int = 2, backoff: Duration = .milliseconds(500)) {
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
    }
}

/// How the SMTP connection is protected.
public enum SMTPSecurity: String, Sendable, Hashable, CaseIterable {
    /// Plain connection upgraded with STARTTLS (port 587); refuses servers that do not offer it.
    case starttls
    /// TLS from the first byte (port 465).
    case tls
    /// No TLS at all: only for local relays and tests, and only when configured explicitly.
    case plain
}

public struct EmailSettings: Sendable, Hashable {
    public var server: String
    public var port: Int
    public var security: SMTPSecurity
    public var username: String?
    public var password: String?
    public var fromEmail: String
    public var fromName: String?
    public var recipients: [String]
    /// PEM file of CA certificates to trust instead of the system's (a self-signed relay, tests).
    public var caFile: String?
    /// A directory with `email.html.mustache` / `email.txt.mustache` replacing the built-in templates.
    public var templatesDirectory: String?
    /// The name sent in EHLO (default: this host's name).
    public var heloName: String?
    public var events: Set<NotifyEvent>
    public var policy: DeliveryPolicy

    public init(server: String, port: Int = 587, security: SMTPSecurity = .starttls, username: String? = nil, password: String? = nil,
                fromEmail: String, fromName: String? = nil, recipients: [String], caFile: String? = nil, templatesDirectory: String? = nil,
                heloName: String? = nil, events: Set<NotifyEvent> = NotifyEvent.defaults, policy: DeliveryPolicy = DeliveryPolicy()) {
        self.server = server
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.fromEmail = fromEmail
        self.fromName = fromName
        self.recipients = recipients
        self.caFile = caFile
        self.templatesDirectory = templatesDirectory
        self.heloName = heloName
        self.events = events
        self.policy = policy
    }

    public var target: String { "smtp://\(server.contains(":") ? "[\(server)]" : server):\(port)" }
}

public struct SentrySettings: Sendable, Hashable {
    public var dsn: SentryDSN
    /// PEM file of CA certificates to trust instead of the system's.
    public var caFile: String?
    public var events: Set<NotifyEvent>
    public var policy: DeliveryPolicy
    public init(dsn: SentryDSN, caFile: String? = nil, events: Set<NotifyEvent> = NotifyEvent.defaults, policy: DeliveryPolicy = DeliveryPolicy()) {
        self.dsn = dsn
        self.caFile = caFile
        self.events = events
        self.policy = policy
    }
}

public struct SlackSettings: Sendable, Hashable {
    public var webhookURL: URL
    public var caFile: String?
    public var events: Set<NotifyEvent>
    public var policy: DeliveryPolicy
    public init(webhookURL: URL, caFile: String? = nil, events: Set<NotifyEvent> = NotifyEvent.defaults, policy: DeliveryPolicy = DeliveryPolicy()) {
        self.webhookURL = webhookURL
        self.caFile = caFile
        self.events = events
        self.policy = policy
    }
}

public struct WebhookSettings: Sendable, Hashable {
    public var url: URL
    /// Signs each body: `X-Strata-Signature: sha256=<hex HMAC-SHA256 of the body>`.
    public var secret: String?
    public var caFile: String?
    public var events: Set<NotifyEvent>
    public var policy: DeliveryPolicy
    public init(url: URL, secret: String? = nil, caFile: String? = nil, events: Set<NotifyEvent> = NotifyEvent.defaults, policy: DeliveryPolicy = DeliveryPolicy()) {
        self.url = url
        self.secret = secret
        self.caFile = caFile
        self.events = events
        self.policy = policy
    }
}

/// Every configured channel. Built by ``resolve(variables:table:environment:baseDirectory:)`` from the
/// seed's variables (`SMTP_SERVER`, `SENTRY_DSN`, `SLACK_WEBHOOK_URL`…) and the `[notify]` table of `strata.toml`.
public struct NotifySettings: Sendable, Hashable {
    public var project: String
    /// The environment's name in messages when it is not the `--env` one (`STRATA_NOTIFY_ENVIRONMENT`, `environment`).
    public var environment: String?
    public var email: EmailSettings?
    public var sentry: SentrySettings?
    public var slack: SlackSettings?
    public var webhook: WebhookSettings?

    public init(project: String, email: EmailSettings? = nil, sentry: SentrySettings? = nil, slack: SlackSettings? = nil, webhook: WebhookSettings? = nil) {
        self.project = project
        self.email = email
        self.sentry = sentry
        self.slack = slack
        self.webhook = webhook
    }

    public var isEmpty: Bool { email == nil && sentry == nil && slack == nil && webhook == nil }

    /// The channels that are configured.
    public var channels: [NotifyChannel] {
        var out: [NotifyChannel] = []
        if email != nil { out.append(.email) }
        if sentry != nil { out.append(.sentry) }
        if slack != nil { out.append(.slack) }
        if webhook != nil { out.append(.webhook) }
        return out
    }

    /// Values that must never leave in a payload, a subject, a log line or output: the SMTP password,
    /// the DSN keys, the webhook secret, and the secret parts of webhook URLs.
    public var secrets: [String] {
        var out: [String] = []
        if let p = email?.password { out.append(p) }
        if let dsn = sentry?.dsn { out.append(dsn.publicKey); if let s = dsn.secretKey { out.append(s) } }
        if let s = webhook?.secret { out.append(s) }
        for url in [slack?.webhookURL, webhook?.url].compactMap({ $0 }) {
            if url.path.count >= 8 { out.append(url.path) }
            if let q = url.query, q.count >= 3 { out.append(q) }
            if let p = url.password { out.append(p) }
        }
        return out.filter { !$0.isEmpty }
    }

    /// `redactor` extended with ``secrets``.
    public func extend(_ redactor: Redactor) -> Redactor {
        var r = redactor
        for s in secrets { r.add(s) }
        return r
    }
}
