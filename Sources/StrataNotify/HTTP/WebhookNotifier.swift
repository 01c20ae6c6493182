import Crypto
import Foundation
import StrataCore

/// A JSON POST of the run facts (snake_case keys, plus `event`), signed with
/// `X-Strata-Signature: sha256=<hex HMAC-SHA256 of the body>` when a secret is configured.
public struct WebhookNotifier: Notifier {
    public let settings: WebhookSettings
    public let redactor: Redactor

    public init(settings: WebhookSettings, redactor: Redactor) {
        self.settings = settings
        self.redactor = redactor
    }

    public var channel: NotifyChannel { .webhook }
    public var events: Set<NotifyEvent> { settings.events }
    public var policy: DeliveryPolicy { settings.policy }
    public var target: String { HTTPPoster.host(settings.url.absoluteString) }

    struct Payload: Encodable {
        var event: NotifyEvent
        var subject: String
        var message: String
        var run: RunFacts
    }

    /// The body exactly as sent.
    public func body(for facts: RunFacts) throws -> [UInt8] {
        let json = try NotifyJSON.encode(Payload(event: facts.outcome, subject: MessageText.subject(facts), message: MessageText.headline(facts), run: facts))
        return Array(redactor.redact(String(decoding: json, as: UTF8.self)).utf8)
    }

    /// `sha256=<hex>` of `body` under `secret`.
    public static func signature(body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public func send(_ facts: RunFacts) async throws -> String {
        let body = try body(for: facts)
        var headers = [("Content-Type", "application/json; charset=utf-8"), ("User-Agent", "strata/\(facts.strataVersion)"),
                       ("X-Strata-Event", facts.outcome.rawValue)]
        if let secret = settings.secret, !secret.isEmpty { headers.append(("X-Strata-Signature", Self.signature(body: body, secret: secret))) }
        let poster = HTTPPoster(caFile: settings.caFile, timeout: settings.policy.timeout)
        return try await poster.post(url: settings.url.absoluteString, body: body, headers: headers)
    }
}
