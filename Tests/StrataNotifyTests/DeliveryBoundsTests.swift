#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StrataCore
import StrataNotify
import StrataTestSupport
import Testing

/// Delivery is bounded: a server that is down or never answers costs at most the channel's time, and the
/// failure comes back as a result (never as a thrown error).
@Suite struct DeliveryBoundsTests {
    @Test func smtpServerDownFailsAfterItsRetriesWithTheCause() async throws {
        let port = try NotifyTestServer.closedPort()
        let settings = EmailSettings(server: "127.0.0.1", port: port, security: .starttls, fromEmail: "a@example.com", recipients: ["b@example.com"],
                                     policy: DeliveryPolicy(timeout: .seconds(10), retries: 2, backoff: .milliseconds(100)))
        let clock = ContinuousClock()
        let start = clock.now
        let results = await NotificationDispatcher(notifiers: [EmailNotifier(settings: settings, redactor: Redactor())]).deliver(NotifyFixtures.facts(.success))
        let r = try #require(results.first)
        #expect(r.status == .failed && r.attempts == 3, "\(r)")
        #expect(r.detail?.contains("cannot connect to smtp://127.0.0.1:\(port)") == true, "\(r)")
        #expect(clock.now - start < .seconds(10))
    }

    @Test func aServerThatNeverAnswersIsCutOffAtTheChannelTimeout() async throws {
        let silent = try NotifyTestServer.silentListener()
        defer { close(silent.fd) }
        let policy = DeliveryPolicy(timeout: .seconds(3), retries: 3, backoff: .milliseconds(100))
        let email = EmailSettings(server: "127.0.0.1", port: silent.port, security: .tls, fromEmail: "a@example.com", recipients: ["b@example.com"], policy: policy)
        let hook = WebhookSettings(url: try NotifyFixtures.url("http://127.0.0.1:\(silent.port)/x"), policy: policy)
        let dispatcher = NotificationDispatcher(notifiers: [EmailNotifier(settings: email, redactor: Redactor()), WebhookNotifier(settings: hook, redactor: Redactor())])
        let clock = ContinuousClock()
        let start = clock.now
        let results = await dispatcher.deliver(NotifyFixtures.facts(.failure, error: "x"))
        let elapsed = clock.now - start
        #expect(results.map(\.status) == [.failed, .failed], "\(results)")
        #expect(results.map(\.channel) == [.email, .webhook])
        // Both channels run at once, each within its 3 s: the whole delivery ends well before 2 × 3 s.
        #expect(elapsed >= .seconds(3) && elapsed < .seconds(5.5), "\(elapsed)")
        #expect(results.allSatisfy { $0.detail?.contains("within 3") == true || $0.detail?.localizedCaseInsensitiveContains("timeout") == true || $0.detail?.localizedCaseInsensitiveContains("deadline") == true }, "\(results)")
    }
}
