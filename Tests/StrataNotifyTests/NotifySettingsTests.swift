import Foundation
import StrataCore
import StrataNotify
import Testing

@Suite struct NotifySettingsTests {
    let base = FileManager.default.temporaryDirectory.path

    func resolve(_ vars: [String: String], toml: String? = nil) throws -> NotifySettings {
        let table = try toml.map { try ConfigFile.parse($0, path: "strata.toml").root["notify"] } ?? nil
        return try NotifySettings.resolve(variables: vars, table: table, defaultProject: "proj", baseDirectory: base)
    }

    @Test func seedVariablesConfigureEmailSentryAndSlack() throws {
        let s = try resolve([
            "SMTP_SERVER": "smtp.example.com", "SMTP_PORT": "587", "SMTP_USERNAME": "alerts@example.com", "SMTP_PASSWORD": "pw-123",
            "FROM_EMAIL": "alerts@example.com", "FROM_NAME": "SOAR Migrations", "MIGRATION_ALERT_EMAIL": "a@example.com, b@example.com",
            "SENTRY_DSN": "https://key123@o1.ingest.sentry.io/42", "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x",
        ])
        let email = try #require(s.email)
        #expect(email.server == "smtp.example.com" && email.port == 587 && email.security == .starttls)
        #expect(email.recipients == ["a@example.com", "b@example.com"])
        #expect(email.fromName == "SOAR Migrations")
        #expect(email.events == [.success, .failure])
        #expect(email.policy.timeout == .seconds(10))
        let sentry = try #require(s.sentry)
        #expect(sentry.dsn.envelopeURL == "https://o1.ingest.sentry.io/api/42/envelope/")
        #expect(s.slack?.webhookURL.host == "hooks.slack.com")
        #expect(s.webhook == nil)
        #expect(s.channels == [.email, .sentry, .slack])
        #expect(Set(s.secrets).isSuperset(of: ["pw-123", "key123"]))
    }

    @Test func recipientsDefaultToTheSenderAndPort465MeansImplicitTLS() throws {
        let s = try resolve(["SMTP_SERVER": "mail.local", "SMTP_PORT": "465", "FROM_EMAIL": "me@example.com"])
        #expect(s.email?.recipients == ["me@example.com"])
        #expect(s.email?.security == .tls)
    }

    @Test func tomlTableWithPerChannelEventsAndVariablesWinning() throws {
        let toml = """
        [notify]
        project = "AegisX"
        events = ["start", "success", "failure"]
        timeout = "4s"
        [notify.email]
        server = "smtp.internal"
        port = 2525
        security = "plain"
        from = "db@example.com"
        to = ["ops@example.com"]
        events = ["failure"]
        [notify.webhook]
        url = "https://hooks.example.com/strata"
        secret = "${HOOK_SECRET}"
        retries = 0
        [notify.slack]
        enabled = false
        webhook_url = "https://hooks.slack.com/services/x"
        """
        let s = try resolve(["SMTP_SERVER": "smtp.override", "HOOK_SECRET": "s3cr3t-hook"], toml: toml)
        #expect(s.project == "AegisX")
        let email = try #require(s.email)
        #expect(email.server == "smtp.override")
        #expect(email.port == 2525 && email.security == .plain)
        #expect(email.events == [.failure])
        #expect(email.policy.timeout == .seconds(4))
        let hook = try #require(s.webhook)
        #expect(hook.secret == "s3cr3t-hook")
        #expect(hook.events == [.start, .success, .failure])
        #expect(hook.policy.retries == 0)
        #expect(s.slack == nil)
        #expect(s.secrets.contains("s3cr3t-hook"))
    }

    @Test func environmentVariablesSelectEventsForEveryChannel() throws {
        let s = try resolve(["STRATA_WEBHOOK_URL": "http://127.0.0.1:1/x", "STRATA_NOTIFY_EVENTS": "all", "STRATA_NOTIFY_TIMEOUT": "2s"])
        #expect(s.webhook?.events == Set(NotifyEvent.allCases))
        #expect(s.webhook?.policy.timeout == .seconds(2))
    }

    @Test func nothingConfiguredIsEmpty() throws {
        #expect(try resolve([:]).isEmpty)
        #expect(try resolve([:], toml: "[notify]\nproject = \"x\"\n").isEmpty)
    }

    @Test(arguments: [
        (["SMTP_SERVER": "x", "SMTP_PORT": "abc", "FROM_EMAIL": "a@b.c"], "SMTP port"),
        (["SMTP_SERVER": "x"], "FROM_EMAIL"),
        (["SMTP_SERVER": "x", "FROM_EMAIL": "not-an-address"], "not an e-mail address"),
        (["SMTP_SERVER": "x", "FROM_EMAIL": "a@b.c", "SMTP_SECURITY": "ssl3"], "starttls, tls, plain"),
        (["SENTRY_DSN": "https://o1.ingest.sentry.io/42"], "not a Sentry DSN"),
        (["SLACK_WEBHOOK_URL": "ftp://x/y"], "http:// or https://"),
        (["STRATA_WEBHOOK_URL": "http://x/y", "STRATA_NOTIFY_EVENTS": "sucess"], "unknown event"),
    ])
    func badSettingsAreConfigErrors(vars: [String: String], message: String) throws {
        let error = #expect(throws: ConfigError.self) { try resolve(vars) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func unknownKeysInTheTableAreErrors() throws {
        let error = #expect(throws: ConfigError.self) { try resolve([:], toml: "[notify.email]\nservr = \"x\"\n") }
        #expect(error?.description.contains("servr") == true)
    }

    @Test func sentryDSNParts() throws {
        let dsn = try SentryDSN(parsing: "https://pub:sec@sentry.example.com:8443/prefix/7")
        #expect(dsn.publicKey == "pub" && dsn.secretKey == "sec" && dsn.projectID == "7")
        #expect(dsn.envelopeURL == "https://sentry.example.com:8443/prefix/api/7/envelope/")
        #expect(dsn.headerDSN == "https://pub@sentry.example.com:8443/prefix/7")
        #expect(dsn.target == "https://sentry.example.com:8443")
    }
}
