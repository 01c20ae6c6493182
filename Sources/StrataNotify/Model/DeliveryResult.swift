import Foundation

/// A notification channel.
public enum NotifyChannel: String, Sendable, Codable, CaseIterable, Hashable {
    case email, sentry, slack, webhook
}

/// What happened to one notification on one channel. The CLI prints failures as warnings and adds the
/// array to `--json` reports; delivery never changes a run's outcome or exit code.
public struct DeliveryResult: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable, Hashable {
        /// Accepted by the server.
        case sent
        /// Every attempt failed, or the channel's time ran out.
        case failed
        /// The channel is not configured (only reported by `notify test`).
        case skipped
    }

    public var channel: NotifyChannel
    public var event: NotifyEvent
    public var status: Status
    public var attempts: Int
    public var durationMs: Int64
    /// Where it went, without credentials: `smtp://mail.example.com:587`, `https://hooks.slack.com`.
    public var target: String
    /// The server's answer (`250 …`, `HTTP 200`) or the cause of the failure; redacted.
    public var detail: String?

    public init(channel: NotifyChannel, event: NotifyEvent, status: Status, attempts: Int, durationMs: Int64, target: String, detail: String?) {
        self.channel = channel
        self.event = event
        self.status = status
        self.attempts = attempts
        self.durationMs = durationMs
        self.target = target
        self.detail = detail
    }
}
