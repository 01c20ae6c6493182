import Foundation
import StrataCore
import StrataNotify
import StrataTestSupport
import Testing

/// Secrets a run knows (database password, SMTP password, DSN key, webhook secret) reach no payload, subject,
/// tag or log line, even when the error text and output contain them.
@Suite struct SecretRedactionTests {
    @Test func noCapturedPayloadContainsASecret() async throws {
        let smtp = try await NotifyTestServer.smtp(tls: "starttls", user: NotifyFixtures.smtpUser, password: NotifyFixtures.smtpPassword)
        defer { smtp.stop() }
        let http = try await NotifyTestServer.http()
        defer { http.stop() }
        let settings = NotifySettings(project: "SOAR", email: NotifyFixtures.email(smtp), sentry: try NotifyFixtures.sentry(http),
                                      slack: try NotifyFixtures.slack(http), webhook: try NotifyFixtures.webhook(http))
        let secrets = [NotifyFixtures.databasePassword, NotifyFixtures.smtpPassword, NotifyFixtures.dsnKey, NotifyFixtures.webhookSecret]
        let log = LogLines()
        let dispatcher = settings.dispatcher(redactor: Redactor(secrets: [NotifyFixtures.databasePassword]), log: log.add)
        // Every secret in every free-text field.
        let leaky = "connect postgres://app:\(NotifyFixtures.databasePassword)@db/soar failed; smtp \(NotifyFixtures.smtpPassword); dsn \(NotifyFixtures.dsnKey); hook \(NotifyFixtures.webhookSecret)"
        var facts = NotifyFixtures.facts(.failure, error: leaky, output: "output: " + leaky)
        facts.project = "SOAR \(NotifyFixtures.webhookSecret)"
        facts.database = "postgres://app:\(NotifyFixtures.databasePassword)@db/soar"
        let results = await dispatcher.deliver(facts)
        #expect(results.map(\.status) == [.sent, .sent, .sent, .sent], "\(results)")

        var texts: [(String, String)] = []
        for file in try await smtp.waitForFiles(1, ext: "eml") {
            let mail = try ParsedEmail.parse(file)
            #expect(mail.subject.contains("SOAR ***"))
            #expect(mail.part("text/plain")?.text.contains("postgres://app:***@db/soar") == true)
            texts.append(("raw e-mail", mail.raw))
            texts.append(("subject", mail.subject))
            for p in mail.parts { texts.append(("e-mail \(p.contentType)", p.text)) }
        }
        let requests = try http.requests()
        #expect(requests.count == 3)
        for r in requests {
            if r.path.hasPrefix("/api/") {
                // The DSN key is the Sentry protocol's credential: it is in X-Sentry-Auth and the envelope header's dsn only.
                let lines = r.body.split(separator: "\n").map(String.init)
                texts.append(("sentry event", lines.dropFirst().joined(separator: "\n")))
                let dsn = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])["dsn"] as? String
                texts.append(("sentry envelope header", lines[0].replacingOccurrences(of: dsn ?? "", with: "")))
                texts.append(("sentry headers", r.headers.filter { $0.key.lowercased() != "x-sentry-auth" }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")))
            } else {
                texts.append(("\(r.path) body", r.body))
                texts.append(("\(r.path) headers", r.headers.map { "\($0.key): \($0.value)" }.joined(separator: "\n")))
            }
        }
        texts.append(("log", log.all.joined(separator: "\n")))
        texts.append(("results", results.map { "\($0)" }.joined(separator: "\n")))
        #expect(texts.count > 10)
        for (place, text) in texts {
            for secret in secrets {
                #expect(!text.contains(secret), "\(place) contains a secret")
            }
        }
    }
}
