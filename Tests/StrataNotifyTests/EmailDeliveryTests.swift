import Foundation
import StrataCore
import StrataNotify
import StrataTestSupport
import Testing

/// E-mail through a real SMTP server (aiosmtpd) with STARTTLS or implicit TLS and AUTH.
@Suite struct EmailDeliveryTests {
    func send(_ facts: RunFacts, _ settings: EmailSettings, log: LogLines = LogLines()) async -> DeliveryResult? {
        // No redactor: what the client itself writes (AUTH lines) must already hide the password.
        let notifier = EmailNotifier(settings: settings, redactor: Redactor())
        return await NotificationDispatcher(notifiers: [notifier], log: log.add).deliver(facts).first
    }

    @Test func stagingSuccessOverSTARTTLSWithAuth() async throws {
        try await NotifyFixtures.with(try await .smtp(tls: "starttls", user: NotifyFixtures.smtpUser, password: NotifyFixtures.smtpPassword)) { smtp in
            let result = try #require(await send(NotifyFixtures.facts(.success), NotifyFixtures.email(smtp)))
            #expect(result.status == .sent, "\(result)")
            #expect(result.detail?.hasPrefix("250") == true)
            let files = try await smtp.waitForFiles(1, ext: "eml")
            let mail = try ParsedEmail.parse(try #require(files.first))
            #expect(mail.subject == "[STAGING] ✓ SOAR Database Migration COMPLETED - \(NotifyFixtures.today)")
            #expect(mail.rawSubject.hasPrefix("=?UTF-8?B?"))
            #expect(mail.defects.isEmpty, "\(mail.defects)")
            #expect(mail.contentType == "multipart/alternative")
            #expect(mail.mimeVersion == "1.0")
            #expect(mail.dateParses)
            #expect(mail.messageID?.hasPrefix("<") == true && mail.messageID?.hasSuffix("@example.com>") == true)
            #expect(mail.from == "SOAR Migrations <alerts@example.com>")
            #expect(mail.to == "ops@example.com, dba@example.com")
            let text = try #require(mail.part("text/plain"))
            let html = try #require(mail.part("text/html"))
            #expect(text.charset == "utf-8" && html.charset == "utf-8")
            #expect(html.htmlBalanced == true)
            for body in [text.text, html.text] {
                #expect(body.contains("0002") && body.contains("add_flights") && body.contains("0003") && body.contains("index_flights_on_time"))
                #expect(body.contains("staging") && body.contains("db-runner-1") && body.contains("4.5s"))
            }
            let meta = try String(contentsOf: smtp.directory.appendingPathComponent("001.json"), encoding: .utf8)
            #expect(meta.contains("\"auth_user\": \"\(NotifyFixtures.smtpUser)\"") && meta.contains("\"tls\": true"))
            #expect(meta.contains("ops@example.com") && meta.contains("dba@example.com"))
        }
    }

    @Test func failureSubjectAndErrorOverImplicitTLS() async throws {
        try await NotifyFixtures.with(try await .smtp(tls: "implicit", user: NotifyFixtures.smtpUser, password: NotifyFixtures.smtpPassword)) { smtp in
            // A line of the output starts with a dot: it must arrive intact (dot-stuffing on the wire).
            let facts = NotifyFixtures.facts(.failure, error: "migration 0003 failed: relation \"flights\" does not exist",
                                             output: "✗ [1/1] up 0003\n.hidden line starting with a dot\n..two dots")
            let result = try #require(await send(facts, NotifyFixtures.email(smtp, security: .tls)))
            #expect(result.status == .sent, "\(result)")
            let mail = try ParsedEmail.parse(try #require(try await smtp.waitForFiles(1, ext: "eml").first))
            #expect(mail.subject == "[STAGING] ✗ SOAR Database Migration FAILED - \(NotifyFixtures.today)")
            let text = try #require(mail.part("text/plain")).text
            #expect(text.contains("relation \"flights\" does not exist"))
            #expect(text.contains("\n.hidden line starting with a dot\n..two dots\n"))
            #expect(try #require(mail.part("text/html")).text.contains("relation &quot;flights&quot; does not exist"))
        }
    }

    @Test func wrongPasswordFailsOnceWithoutRetryingOrLeakingIt() async throws {
        try await NotifyFixtures.with(try await .smtp(tls: "starttls", user: NotifyFixtures.smtpUser, password: NotifyFixtures.smtpPassword)) { smtp in
            let log = LogLines()
            let result = try #require(await send(NotifyFixtures.facts(.success), NotifyFixtures.email(smtp, password: "wrong-Password-1"), log: log))
            #expect(result.status == .failed)
            #expect(result.attempts == 1)
            #expect(result.detail?.contains("535") == true, "\(result)")
            #expect(!(result.detail ?? "").contains("wrong-Password-1"))
            #expect(!log.all.joined().contains("wrong-Password-1"))
            #expect(smtp.files(ext: "eml").isEmpty)
        }
    }

    @Test func certificatesAreVerifiedByDefault() async throws {
        try await NotifyFixtures.with(try await .smtp(tls: "starttls", user: NotifyFixtures.smtpUser, password: NotifyFixtures.smtpPassword)) { smtp in
            let result = try #require(await send(NotifyFixtures.facts(.success), NotifyFixtures.email(smtp, caFile: .some(nil), policy: NotifyFixtures.policy(retries: 0))))
            #expect(result.status == .failed)
            #expect(result.detail?.localizedCaseInsensitiveContains("certificate") == true || result.detail?.contains("TLS") == true, "\(result)")
            #expect(smtp.files(ext: "eml").isEmpty)
        }
    }

    @Test func starttlsIsRequiredUnlessPlainIsConfigured() async throws {
        try await NotifyFixtures.with(try await .smtp(tls: "none")) { smtp in
            var settings = NotifyFixtures.email(smtp)
            settings.username = nil
            let refused = try #require(await send(NotifyFixtures.facts(.success), settings))
            #expect(refused.status == .failed)
            #expect(refused.detail?.contains("does not offer STARTTLS") == true, "\(refused)")
            settings.security = .plain
            let sent = try #require(await send(NotifyFixtures.facts(.success), settings))
            #expect(sent.status == .sent, "\(sent)")
            #expect(try await smtp.waitForFiles(1, ext: "eml").count == 1)
        }
    }
}
