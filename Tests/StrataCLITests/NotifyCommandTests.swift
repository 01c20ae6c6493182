#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StrataTestSupport
import Testing

/// `strata notify test` and the notifications of `up` / `down`, end to end with the built binary, a real SMTP
/// server (aiosmtpd, STARTTLS + AUTH) and a local HTTP receiver for Sentry, Slack and the webhook.
@Suite struct NotifyCommandTests {
    static let smtpUser = "alerts@example.com"
    static let smtpPassword = "smtp-Cli-Secret-31"
    static let dsnKey = "fedcba9876543210fedcba9876543210"
    static let webhookSecret = "hook-Cli-Secret-88"
    static var today: String { Date().formatted(.iso8601.year().month().day().dateSeparator(.dash)) }

    /// The seed's variables pointing at the test servers (and the webhook when `http` is given).
    static func variables(smtp: NotifyTestServer?, smtpPort: Int? = nil, http: NotifyTestServer?) -> [String: String] {
        var v: [String: String] = [:]
        if let port = smtpPort ?? smtp?.port {
            v.merge(["SMTP_SERVER": "127.0.0.1", "SMTP_PORT": String(port), "SMTP_USERNAME": smtpUser, "SMTP_PASSWORD": smtpPassword,
                     "FROM_EMAIL": "alerts@example.com", "FROM_NAME": "SOAR Migrations", "MIGRATION_ALERT_EMAIL": "ops@example.com"]) { _, b in b }
            if let cert = smtp?.certificate { v["SMTP_CA_FILE"] = cert }
        }
        if let http {
            v["SENTRY_DSN"] = "http://\(dsnKey)@127.0.0.1:\(http.port)/7"
            v["SLACK_WEBHOOK_URL"] = "http://127.0.0.1:\(http.port)/services/T1/B1/cli-slack-token"
            v["STRATA_WEBHOOK_URL"] = "http://127.0.0.1:\(http.port)/strata-hook"
            v["STRATA_WEBHOOK_SECRET"] = webhookSecret
        }
        return v
    }

    static func stagingProject(_ ws: CLIWorkspace, notify: String = "") throws {
        try ws.write("strata.toml", """
            project = "SOAR"
            [environments.staging]
            database = "sqlite:staging.sqlite"
            \(notify)
            """)
        try ws.migration("0001_create_flights.sql", up: "CREATE TABLE flights (id integer primary key);", down: "DROP TABLE flights;")
        try ws.migration("0002_index_flights.sql", up: "CREATE INDEX flights_id ON flights (id);", down: "DROP INDEX flights_id;")
    }

    static func servers() async throws -> (NotifyTestServer, NotifyTestServer) {
        let smtp = try await NotifyTestServer.smtp(tls: "starttls", user: smtpUser, password: smtpPassword)
        do { return (smtp, try await NotifyTestServer.http()) } catch { smtp.stop(); throw error }
    }

    /// The webhook's requests: `event` of each body, in order.
    static func webhookEvents(_ http: NotifyTestServer) throws -> [String] {
        try http.requests().filter { $0.path == "/strata-hook" }.compactMap {
            (try JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["event"] as? String
        }
    }

    @Test func notifyTestReportsEveryChannel() async throws {
        let (smtp, http) = try await Self.servers()
        defer { smtp.stop(); http.stop() }
        try await CLIWorkspace.with { ws in
            let r = try await ws.run(["notify", "test", "--json"], environment: Self.variables(smtp: smtp, http: http))
            #expect(r.exitCode == 0, "\(r)")
            let json = try jsonObject(r.stdout)
            #expect(json["ok"] as? Bool == true)
            let channels = try #require(json["channels"] as? [[String: Any]])
            #expect(channels.map { $0["channel"] as? String } == ["email", "sentry", "slack", "webhook"])
            #expect(channels.allSatisfy { $0["status"] as? String == "sent" && $0["attempts"] as? Int == 1 }, "\(channels)")
            let mail = try ParsedEmail.parse(try #require(try await smtp.waitForFiles(1, ext: "eml").first))
            // No environment chosen: no prefix; the project defaults to the working directory's name.
            #expect(mail.subject == "[TEST] ✓ work Database Migration COMPLETED - \(Self.today)")
            #expect(try http.requests().map(\.path).sorted() == ["/api/7/envelope/", "/services/T1/B1/cli-slack-token", "/strata-hook"])
        }
    }

    @Test func notifyTestOneChannelAndUnconfiguredChannels() async throws {
        let http = try await NotifyTestServer.http()
        defer { http.stop() }
        try await CLIWorkspace.with { ws in
            let slackOnly = ["SLACK_WEBHOOK_URL": "http://127.0.0.1:\(http.port)/services/T/B/tok"]
            let one = try await ws.run(["notify", "test", "--channel", "slack"], environment: slackOnly)
            #expect(one.exitCode == 0, "\(one)")
            #expect(one.stdout.contains("✓ slack") && one.stdout.contains("sent"))
            #expect(try http.requests().count == 1)
            let missing = try await ws.run(["notify", "test", "--channel", "email"], environment: slackOnly)
            #expect(missing.exitCode == 2, "\(missing)")
            #expect(missing.stderr.contains("the email channel is not configured"))
            let none = try await ws.run(["notify", "test"])
            #expect(none.exitCode == 2, "\(none)")
            #expect(none.stderr.contains("no notification channel is configured"))
            let bad = try await ws.run(["notify", "test", "--channel", "pager"], environment: slackOnly)
            #expect(bad.exitCode == 2, "\(bad)")
        }
    }

    @Test func notifyTestExitsOneWhenAChannelFails() async throws {
        let http = try await NotifyTestServer.http()
        defer { http.stop() }
        try await CLIWorkspace.with { ws in
            var env = Self.variables(smtp: nil, smtpPort: try NotifyTestServer.closedPort(), http: http)
            env["STRATA_NOTIFY_RETRIES"] = "0"
            let r = try await ws.run(["notify", "test", "--json"], environment: env)
            #expect(r.exitCode == 1, "\(r)")
            let channels = try #require(try jsonObject(r.stdout)["channels"] as? [[String: Any]])
            #expect(channels.map { $0["status"] as? String } == ["failed", "sent", "sent", "sent"])
            #expect((channels[0]["detail"] as? String)?.contains("cannot connect") == true)
        }
    }

    @Test func stagingUpSendsTheSuccessEmailWithTheVersions() async throws {
        let (smtp, http) = try await Self.servers()
        defer { smtp.stop(); http.stop() }
        try await CLIWorkspace.with { ws in
            try Self.stagingProject(ws)
            let r = try await ws.run(["--env", "staging", "up"], environment: Self.variables(smtp: smtp, http: http))
            #expect(r.exitCode == 0, "\(r)")
            #expect(!r.stderr.contains("warning"), "\(r)")
            let mail = try ParsedEmail.parse(try #require(try await smtp.waitForFiles(1, ext: "eml").first))
            #expect(mail.subject == "[STAGING] ✓ SOAR Database Migration COMPLETED - \(Self.today)")
            #expect(mail.defects.isEmpty)
            let text = try #require(mail.part("text/plain")).text
            let html = try #require(mail.part("text/html"))
            #expect(html.htmlBalanced == true)
            for body in [text, html.text] {
                #expect(body.contains("0001") && body.contains("create_flights") && body.contains("0002") && body.contains("index_flights"))
            }
            #expect(text.contains("Environment:  staging") && text.contains("To version:   0002"))
            let sentry = try #require(try http.requests().first { $0.path == "/api/7/envelope/" })
            #expect(sentry.body.contains("\"level\":\"info\"") && sentry.body.contains("Database migration completed successfully for staging"))
            #expect(try Self.webhookEvents(http) == ["success"])
        }
    }

    @Test func failedUpSendsTheFailureAndKeepsItsOwnExitCode() async throws {
        let (smtp, http) = try await Self.servers()
        defer { smtp.stop(); http.stop() }
        try await CLIWorkspace.with { ws in
            try Self.stagingProject(ws, notify: "[environments.staging.notify.webhook]\nevents = [\"start\", \"success\", \"failure\"]")
            try ws.migration("0003_broken.sql", up: "INSERT INTO no_such_table VALUES (1);")
            let r = try await ws.run(["--env", "staging", "up"], environment: Self.variables(smtp: smtp, http: http))
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stderr.contains("no such table: no_such_table"))
            let mail = try ParsedEmail.parse(try #require(try await smtp.waitForFiles(1, ext: "eml").first))
            #expect(mail.subject == "[STAGING] ✗ SOAR Database Migration FAILED - \(Self.today)")
            let text = try #require(mail.part("text/plain")).text
            #expect(text.contains("migration 0003 broken failed (up): no such table: no_such_table"))
            #expect(text.contains("INSERT INTO no_such_table"), "the output excerpt holds the failing statement")
            #expect(try Self.webhookEvents(http) == ["start", "failure"])
            let sentry = try #require(try http.requests().first { $0.path == "/api/7/envelope/" })
            #expect(sentry.body.contains("\"level\":\"error\"") && sentry.body.contains("Database migration failed for staging (error: migration 0003 broken failed"))
        }
    }

    @Test func smtpDownLeavesTheRunsOutcomeAndReportsTheFailedDelivery() async throws {
        try await CLIWorkspace.with { ws in
            try Self.stagingProject(ws)
            let env = Self.variables(smtp: nil, smtpPort: try NotifyTestServer.closedPort(), http: nil)
            let r = try await ws.run(["--env", "staging", "up", "--json"], environment: env, limit: .seconds(30))
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.elapsed < .seconds(12), "bounded by the channel's 10 s")
            #expect(r.stderr.contains("warning: email notification (success) to smtp://127.0.0.1:"), "\(r)")
            let json = try jsonObject(r.stdout)
            #expect(json["outcome"] as? String == "ok")
            let notes = try #require(json["notifications"] as? [[String: Any]])
            #expect(notes.count == 1)
            #expect(notes.first?["channel"] as? String == "email" && notes.first?["status"] as? String == "failed")
            #expect(notes.first?["attempts"] as? Int == 3)
            let status = try await ws.run(["--env", "staging", "status", "--json"])
            #expect(status.stdout.contains("\"applied\""))
        }
    }

    @Test func badNotificationSettingsWarnButDoNotStopTheRun() async throws {
        try await CLIWorkspace.with { ws in
            try Self.stagingProject(ws)
            let env = ["SMTP_SERVER": "127.0.0.1", "SMTP_PORT": "not-a-port", "FROM_EMAIL": "a@example.com"]
            let r = try await ws.run(["--env", "staging", "up"], environment: env)
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stderr.contains("warning: notifications are off for this run: SMTP port `not-a-port` is not a port number"), "\(r)")
            let test = try await ws.run(["notify", "test"], environment: env)
            #expect(test.exitCode == 2, "\(test)")
        }
    }

    @Test func aSilentSMTPServerIsCutOffAtTheConfiguredTimeout() async throws {
        let silent = try NotifyTestServer.silentListener()
        defer { close(silent.fd) }
        try await CLIWorkspace.with { ws in
            try Self.stagingProject(ws, notify: "[environments.staging.notify]\ntimeout = \"2s\"")
            let env = Self.variables(smtp: nil, smtpPort: silent.port, http: nil)
            let r = try await ws.run(["--env", "staging", "up"], environment: env, limit: .seconds(30))
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.elapsed < .seconds(8), "\(r.elapsed)")
            #expect(r.stderr.contains("email notification (success)") && r.stderr.contains("no answer within 2.0s"), "\(r)")
        }
    }

    @Test func downSendsRollbackAndDryRunSendsNothing() async throws {
        let http = try await NotifyTestServer.http()
        defer { http.stop() }
        try await CLIWorkspace.with { ws in
            try Self.stagingProject(ws)
            let env = ["STRATA_WEBHOOK_URL": "http://127.0.0.1:\(http.port)/strata-hook", "STRATA_NOTIFY_EVENTS": "success,rollback"]
            #expect(try await ws.run(["--env", "staging", "up", "--dry-run"], environment: env).exitCode == 0)
            #expect(try http.requests().isEmpty)
            #expect(try await ws.run(["--env", "staging", "up"], environment: env).exitCode == 0)
            let down = try await ws.run(["--env", "staging", "down", "--json"], environment: env)
            #expect(down.exitCode == 0, "\(down)")
            #expect(try Self.webhookEvents(http) == ["success", "rollback"])
            let body = try #require(try http.requests().last).body
            #expect(body.contains("\"command\":\"down --steps 1\"") && body.contains("\"direction\":\"down\""))
        }
    }

    @Test func noSecretLeavesInAnyPayloadOrOutput() async throws {
        let (smtp, http) = try await Self.servers()
        defer { smtp.stop(); http.stop() }
        let dbPassword = "db-Cli-Secret-64"
        try await CLIWorkspace.with { ws in
            try Self.stagingProject(ws)
            // The failing statement, and so the error and the output excerpt, spell out the database password.
            try ws.migration("0003_leaky.sql", up: "SELECT * FROM \"\(dbPassword)\";")
            var env = Self.variables(smtp: smtp, http: http)
            env["DATABASE_PASSWORD"] = dbPassword
            let r = try await ws.run(["--env", "staging", "-v", "up"], environment: env)
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stderr.contains("no such table: ***"), "\(r)")
            var texts: [(String, String)] = [("stdout", r.stdout), ("stderr", r.stderr)]
            for file in try await smtp.waitForFiles(1, ext: "eml") {
                let mail = try ParsedEmail.parse(file)
                texts.append(("raw e-mail", mail.raw))
                for p in mail.parts { texts.append(("e-mail \(p.contentType)", p.text)) }
                #expect(mail.part("text/plain")?.text.contains("no such table: ***") == true)
            }
            let requests = try http.requests()
            #expect(requests.count == 3)
            for q in requests {
                var headers = q.headers
                var body = q.body
                if q.path.hasPrefix("/api/") {
                    // The DSN key belongs in X-Sentry-Auth and in the envelope header's dsn, nowhere else.
                    headers["X-Sentry-Auth"] = nil
                    body = body.replacingOccurrences(of: "\"dsn\":\"http://\(Self.dsnKey)@", with: "\"dsn\":\"http://KEY@")
                }
                texts.append(("\(q.path)", body + "\n" + headers.map { "\($0.key): \($0.value)" }.joined(separator: "\n")))
            }
            for (place, text) in texts {
                for secret in [dbPassword, Self.smtpPassword, Self.dsnKey, Self.webhookSecret] {
                    #expect(!text.contains(secret), "\(place) contains a secret")
                }
            }
        }
    }
}
