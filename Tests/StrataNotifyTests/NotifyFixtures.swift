import Foundation
import StrataNotify
import StrataTestSupport

/// Facts and settings the notification tests share.
enum NotifyFixtures {
    static let smtpUser = "alice@example.com"
    static let smtpPassword = "smtp-Secret-9f3a"
    static let dsnKey = "0123456789abcdef0123456789abcdef"
    static let webhookSecret = "whsec-Secret-77c1"
    static let databasePassword = "db-Secret-51e0"

    static func facts(_ outcome: NotifyEvent, environment: String = "staging", error: String? = nil, output: String? = nil) -> RunFacts {
        RunFacts(outcome: outcome, environment: environment, project: "SOAR", host: "db-runner-1", user: "deploy",
                 database: "postgres://app@db.internal:5432/soar", command: "up", fromVersion: outcome == .failure ? "0002" : "0001",
                 toVersion: outcome == .failure ? nil : "0003",
                 migrations: outcome == .failure ? [] : [
                     .init(version: "0002", name: "add_flights", direction: "up", durationMs: 120),
                     .init(version: "0003", name: "index_flights_on_time", direction: "up", durationMs: 4_200),
                 ],
                 durationMs: 4_480, timestamp: Date(), error: error, outputExcerpt: output, runID: "run-\(UUID().uuidString.prefix(8))",
                 strataVersion: "9.9.9")
    }

    static var today: String { MessageText.day(Date()) }

    static func policy(timeout: Duration = .seconds(10), retries: Int = 2) -> DeliveryPolicy {
        DeliveryPolicy(timeout: timeout, retries: retries, backoff: .milliseconds(100))
    }

    static func email(_ server: NotifyTestServer, security: SMTPSecurity = .starttls, password: String = smtpPassword,
                      caFile: String?? = nil, policy: DeliveryPolicy = policy()) -> EmailSettings {
        EmailSettings(server: "127.0.0.1", port: server.port, security: security, username: smtpUser, password: password,
                      fromEmail: "alerts@example.com", fromName: "SOAR Migrations", recipients: ["ops@example.com", "dba@example.com"],
                      caFile: caFile ?? server.certificate, policy: policy)
    }

    static func sentry(_ server: NotifyTestServer, policy: DeliveryPolicy = policy()) throws -> SentrySettings {
        SentrySettings(dsn: try SentryDSN(parsing: "http://\(dsnKey)@127.0.0.1:\(server.port)/42"), policy: policy)
    }

    static func slack(_ server: NotifyTestServer, policy: DeliveryPolicy = policy()) throws -> SlackSettings {
        SlackSettings(webhookURL: try url("http://127.0.0.1:\(server.port)/services/T000/B000/slack-token-xyz"), policy: policy)
    }

    static func webhook(_ server: NotifyTestServer, secret: String? = webhookSecret, policy: DeliveryPolicy = policy()) throws -> WebhookSettings {
        WebhookSettings(url: try url("http://127.0.0.1:\(server.port)/strata/hook"), secret: secret, policy: policy)
    }

    static func url(_ text: String) throws -> URL {
        guard let u = URL(string: text) else { throw NotifySetupError("bad URL \(text)") }
        return u
    }

    /// Runs `body` with a started server, stopping it afterwards.
    static func with<T>(_ server: NotifyTestServer, _ body: (NotifyTestServer) async throws -> T) async throws -> T {
        defer { server.stop() }
        return try await body(server)
    }
}

/// Collects the dispatcher's log lines.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
