import Foundation
import StrataCore

/// One Sentry event per run, POSTed as an envelope to the DSN's `/api/<project>/envelope/` endpoint.
///
/// The envelope is three lines: the envelope header (`event_id`, `dsn`, `sent_at`, `sdk`), the item header
/// (`type: event`, `length`, `content_type`) and the event JSON (level, message, tags, release, extra…).
/// The DSN's public key travels in the `X-Sentry-Auth` header and in the envelope header's `dsn` (Sentry rejects
/// a `dsn` without it); it is in no event field, tag or log line.
public struct SentryNotifier: Notifier {
    public let settings: SentrySettings
    public let redactor: Redactor

    public init(settings: SentrySettings, redactor: Redactor) {
        self.settings = settings
        self.redactor = redactor
    }

    public var channel: NotifyChannel { .sentry }
    public var events: Set<NotifyEvent> { settings.events }
    public var policy: DeliveryPolicy { settings.policy }
    public var target: String { settings.dsn.target }

    /// The event JSON object.
    public func event(for f: RunFacts, eventID: String) -> [String: Any] {
        var extra: [String: Any] = [
            "project": f.project, "host": f.host, "user": f.user, "run_id": f.runID, "duration_ms": f.durationMs,
            "migrations": f.migrations.map { ["version": $0.version, "name": $0.name, "direction": $0.direction, "duration_ms": $0.durationMs] as [String: Any] },
            "migration_count": f.migrations.count, "timestamp": Timestamps.format(f.timestamp),
        ]
        if let v = f.fromVersion { extra["from_version"] = v }
        if let v = f.toVersion { extra["to_version"] = v }
        if let v = f.database { extra["database"] = v }
        if let v = f.command { extra["command"] = v }
        if let v = f.error { extra["error"] = v }
        if let v = f.outputExcerpt { extra["output"] = v }
        if f.isTest { extra["test"] = true }
        var tags: [String: String] = ["migration": "true", "environment": f.environment, "type": "database_migration",
                                      "outcome": f.outcome.rawValue, "project": f.project]
        if let d = f.migrations.first?.direction { tags["direction"] = d }
        return [
            "event_id": eventID,
            "timestamp": f.timestamp.timeIntervalSince1970,
            "platform": "other",
            "level": f.outcome == .failure ? "error" : f.outcome == .rollback ? "warning" : "info",
            "logger": "strata",
            "message": ["formatted": MessageText.sentryMessage(f)],
            "environment": f.environment,
            "release": f.strataVersion,
            "server_name": f.host,
            "tags": tags,
            "extra": extra,
            "fingerprint": ["strata-migration", f.project, f.environment, f.outcome.rawValue],
            "sdk": ["name": "strata", "version": f.strataVersion],
        ]
    }

    /// The envelope body.
    public func envelope(for f: RunFacts) throws -> [UInt8] {
        let eventID = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        // The event is redacted once more as text; the header keeps the DSN (see the type's documentation).
        let eventText = redactor.redact(String(decoding: try NotifyJSON.serialize(event(for: f, eventID: eventID)), as: UTF8.self))
        let item = Array(eventText.utf8)
        let header: [String: Any] = ["event_id": eventID, "dsn": settings.dsn.headerDSN, "sent_at": Timestamps.format(Date()),
                                     "sdk": ["name": "strata", "version": f.strataVersion]]
        let itemHeader: [String: Any] = ["type": "event", "length": item.count, "content_type": "application/json"]
        return try NotifyJSON.serialize(header) + [0x0A] + NotifyJSON.serialize(itemHeader) + [0x0A] + item + [0x0A]
    }

    public func send(_ facts: RunFacts) async throws -> String {
        let body = try envelope(for: facts)
        let poster = HTTPPoster(caFile: settings.caFile, timeout: settings.policy.timeout)
        return try await poster.post(url: settings.dsn.envelopeURL, body: body, headers: [
            ("Content-Type", "application/x-sentry-envelope"),
            ("User-Agent", "strata/\(facts.strataVersion)"),
            ("X-Sentry-Auth", settings.dsn.authHeader(client: "strata/\(facts.strataVersion)")),
        ])
    }
}
