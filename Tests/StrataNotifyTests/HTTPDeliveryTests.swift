import Foundation
import StrataCore
import StrataNotify
import StrataTestSupport
import Testing

/// Sentry, Slack and webhook deliveries to a local HTTP receiver.
@Suite struct HTTPDeliveryTests {
    func deliver(_ facts: RunFacts, _ notifiers: [any Notifier]) async -> [DeliveryResult] {
        await NotificationDispatcher(notifiers: notifiers).deliver(facts)
    }

    func json(_ text: some StringProtocol) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func sentryGetsAWellFormedEnvelope() async throws {
        try await NotifyFixtures.with(try await .http()) { http in
            let settings = try NotifyFixtures.sentry(http)
            let facts = NotifyFixtures.facts(.failure, error: "migration 0003 failed: boom")
            let results = await deliver(facts, [SentryNotifier(settings: settings, redactor: Redactor())])
            #expect(results.map(\.status) == [.sent], "\(results)")
            let request = try #require(try http.requests().first)
            #expect(request.path == "/api/42/envelope/")
            #expect(request.header("Content-Type") == "application/x-sentry-envelope")
            let auth = try #require(request.header("X-Sentry-Auth"))
            #expect(auth.hasPrefix("Sentry sentry_version=7,") && auth.contains("sentry_key=\(NotifyFixtures.dsnKey)"))
            let lines = request.body.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 4 && lines[3].isEmpty, "envelope: header, item header, event, trailing newline")
            let header = try json(lines[0])
            let eventID = try #require(header["event_id"] as? String)
            #expect(eventID.count == 32 && eventID.allSatisfy(\.isHexDigit))
            #expect(header["dsn"] as? String == "http://\(NotifyFixtures.dsnKey)@127.0.0.1:\(http.port)/42")
            #expect(Timestamps.parse(header["sent_at"] as? String) != nil)
            let item = try json(lines[1])
            #expect(item["type"] as? String == "event")
            #expect(item["length"] as? Int == lines[2].utf8.count)
            let event = try json(lines[2])
            #expect(event["event_id"] as? String == eventID)
            #expect(event["level"] as? String == "error")
            #expect((event["message"] as? [String: Any])?["formatted"] as? String == "Database migration failed for staging (error: migration 0003 failed: boom)")
            #expect(event["release"] as? String == "9.9.9")
            #expect(event["environment"] as? String == "staging")
            let tags = try #require(event["tags"] as? [String: String])
            #expect(tags["migration"] == "true" && tags["environment"] == "staging" && tags["type"] == "database_migration")
            let extra = try #require(event["extra"] as? [String: Any])
            #expect(extra["from_version"] as? String == "0002")
            #expect(extra["duration_ms"] as? Int == 4_480)
            #expect(extra["error"] as? String == "migration 0003 failed: boom")
            #expect(!lines[2].contains(NotifyFixtures.dsnKey))
        }
    }

    @Test func sentrySuccessIsInfoWithVersionsAndDurations() async throws {
        try await NotifyFixtures.with(try await .http()) { http in
            _ = await deliver(NotifyFixtures.facts(.success), [SentryNotifier(settings: try NotifyFixtures.sentry(http), redactor: Redactor())])
            let body = try #require(try http.requests().first).body
            let event = try json(body.split(separator: "\n")[2])
            #expect(event["level"] as? String == "info")
            #expect((event["message"] as? [String: Any])?["formatted"] as? String == "Database migration completed successfully for staging")
            let extra = try #require(event["extra"] as? [String: Any])
            #expect(extra["to_version"] as? String == "0003")
            let migrations = try #require(extra["migrations"] as? [[String: Any]])
            #expect(migrations.map { $0["version"] as? String } == ["0002", "0003"])
            #expect(migrations.map { $0["duration_ms"] as? Int } == [120, 4_200])
        }
    }

    @Test func slackGetsBlocksAndAColouredAttachment() async throws {
        try await NotifyFixtures.with(try await .http()) { http in
            let results = await deliver(NotifyFixtures.facts(.failure, error: "boom <@U123> & co"), [SlackNotifier(settings: try NotifyFixtures.slack(http), redactor: Redactor())])
            #expect(results.first?.status == .sent)
            #expect(results.first?.target == "http://127.0.0.1:\(http.port)", "the target never shows the webhook's token path")
            let request = try #require(try http.requests().first)
            #expect(request.path == "/services/T000/B000/slack-token-xyz")
            let payload = try json(request.body)
            #expect(payload["text"] as? String == "[STAGING] ✗ SOAR Database Migration FAILED - \(NotifyFixtures.today)")
            let blocks = try #require(payload["blocks"] as? [[String: Any]])
            #expect(blocks.first?["type"] as? String == "header")
            let attachment = try #require((payload["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["color"] as? String == "#d50200")
            let inner = try #require(attachment["blocks"] as? [[String: Any]])
            #expect(inner.allSatisfy { ["section", "context", "header", "divider"].contains($0["type"] as? String ?? "") })
            let texts = inner.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }.joined(separator: "\n")
            #expect(texts.contains("*Error*") && texts.contains("boom &lt;@U123&gt; &amp; co"), "markup in an error is escaped")
            let fields = try #require(inner.first?["fields"] as? [[String: Any]])
            #expect(fields.count <= 10 && fields.contains { ($0["text"] as? String) == "*Environment*\nstaging" })
        }
    }

    @Test func webhookGetsTheFactsSignedWithHMAC() async throws {
        try await NotifyFixtures.with(try await .http()) { http in
            let results = await deliver(NotifyFixtures.facts(.success), [WebhookNotifier(settings: try NotifyFixtures.webhook(http), redactor: Redactor())])
            #expect(results.first?.status == .sent)
            let request = try #require(try http.requests().first)
            let payload = try json(request.body)
            #expect(payload["event"] as? String == "success")
            let run = try #require(payload["run"] as? [String: Any])
            #expect(run["environment"] as? String == "staging" && run["project"] as? String == "SOAR")
            #expect((run["migrations"] as? [[String: Any]])?.count == 2)
            #expect(run["to_version"] as? String == "0003")
            // Checked with openssl over the bytes received, not with Strata's own code.
            let bodyFile = http.directory.appendingPathComponent("body.bin")
            try Data(request.body.utf8).write(to: bodyFile)
            let expected = try opensslHMAC(file: bodyFile.path, key: NotifyFixtures.webhookSecret)
            #expect(request.header("X-Strata-Signature") == "sha256=\(expected)")
            #expect(request.header("X-Strata-Event") == "success")
        }
    }

    @Test func temporaryErrorsAreRetriedWithBackoff() async throws {
        try await NotifyFixtures.with(try await .http(failFirst: 2)) { http in
            let results = await deliver(NotifyFixtures.facts(.success), [WebhookNotifier(settings: try NotifyFixtures.webhook(http), redactor: Redactor())])
            let r = try #require(results.first)
            #expect(r.status == .sent && r.attempts == 3, "\(r)")
            #expect(try http.requests().count == 3)
        }
    }

    @Test func clientErrorsAreNotRetried() async throws {
        try await NotifyFixtures.with(try await .http(status: 400)) { http in
            let results = await deliver(NotifyFixtures.facts(.success), [SlackNotifier(settings: try NotifyFixtures.slack(http), redactor: Redactor())])
            let r = try #require(results.first)
            #expect(r.status == .failed && r.attempts == 1, "\(r)")
            #expect(r.detail?.contains("HTTP 400") == true)
        }
    }

    @Test func channelsOnlyReceiveTheirEvents() async throws {
        try await NotifyFixtures.with(try await .http()) { http in
            var hook = try NotifyFixtures.webhook(http)
            hook.events = [.failure]
            let dispatcher = NotificationDispatcher(notifiers: [WebhookNotifier(settings: hook, redactor: Redactor())])
            #expect(await dispatcher.deliver(NotifyFixtures.facts(.success)).isEmpty)
            #expect(await dispatcher.deliver(NotifyFixtures.facts(.start)).isEmpty)
            #expect(await dispatcher.deliver(NotifyFixtures.facts(.failure, error: "x")).map(\.status) == [.sent])
            #expect(try http.requests().count == 1)
        }
    }

    func opensslHMAC(file: String, key: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl", "dgst", "-sha256", "-hmac", key, "-r", file]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return String(text.split(separator: " ").first ?? "")
    }
}
