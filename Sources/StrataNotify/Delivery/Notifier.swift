import Foundation
import StrataCore

/// A channel that can deliver a run's facts: e-mail, Sentry, Slack, a webhook.
///
/// `send` makes one attempt; ``NotificationDispatcher`` adds the time limit, the retries and the results.
public protocol Notifier: Sendable {
    var channel: NotifyChannel { get }
    /// The events this channel receives.
    var events: Set<NotifyEvent> { get }
    var policy: DeliveryPolicy { get }
    /// Where messages go, without credentials.
    var target: String { get }
    /// Delivers `facts` (already redacted) once; returns the server's answer, e.g. `250 2.0.0 queued` or `HTTP 200`.
    func send(_ facts: RunFacts) async throws -> String
}

/// A delivery attempt failed. Permanent failures (a refused login, HTTP 400) are not retried.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var permanent: Bool
    public init(_ message: String, permanent: Bool = false) {
        self.message = message
        self.permanent = permanent
    }
    public var description: String { message }
}

/// The channel's whole time (retries included) ran out.
struct DeliveryTimeout: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "no answer within \(DurationText.format(limit))" }
}
