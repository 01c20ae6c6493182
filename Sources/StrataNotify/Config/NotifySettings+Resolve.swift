import Foundation
import StrataCore

extension NotifySettings {
    /// Reads the channels from `variables` (the seed's names, which win) and the `[notify]` table of `strata.toml`
    /// (the chosen environment's own `[environments.NAME.notify]` table, when it has one, replaces the top-level one).
    ///
    /// ```toml
    /// [notify]
    /// project = "SOAR"
    /// events = ["success", "failure"]      # every channel's default
    /// timeout = "10s"
    ///
    /// [notify.email]
    /// server = "smtp.example.com"
    /// password = "${SMTP_PASSWORD}"
    /// to = ["ops@example.com"]
    /// events = ["failure"]
    /// ```
    public static func resolve(variables: [String: String], table: ConfigValue?, defaultProject: String,
                               baseDirectory: String, place: String = "strata.toml [notify]") throws(ConfigError) -> NotifySettings {
        do {
            return try read(variables: variables, table: table, defaultProject: defaultProject, baseDirectory: baseDirectory, place: place)
        } catch let e as ConfigError {
            throw e
        } catch {
            throw ConfigError("\(place): \(error)")
        }
    }

    static func read(variables: [String: String], table: ConfigValue?, defaultProject: String,
                     baseDirectory: String, place: String) throws -> NotifySettings {
        let root: [String: ConfigValue]
        switch table {
        case nil: root = [:]
        case .table(let t)?: root = t
        case let other?: throw ConfigError("\(place) must be a table, not \(other.typeName)")
        }
        let top = try Reader(table: root, variables: variables, place: place, baseDirectory: baseDirectory)
        try top.check(known: ["project", "environment", "events", "timeout", "retries", "backoff", "ca_file", "email", "sentry", "slack", "webhook"])

        let project = try top.variable("STRATA_PROJECT") ?? top.string("project") ?? defaultProject
        var settings = NotifySettings(project: project)
        settings.environment = try top.variable("STRATA_NOTIFY_ENVIRONMENT") ?? top.string("environment")

        func sub(_ name: String) throws -> Reader {
            switch root[name] {
            case nil: return try Reader(table: [:], variables: variables, place: "\(place).\(name)", baseDirectory: baseDirectory)
            case .table(let t)?: return try Reader(table: t, variables: variables, place: "\(place).\(name)", baseDirectory: baseDirectory)
            case let other?: throw ConfigError("\(place).\(name) must be a table, not \(other.typeName)")
            }
        }
        func common(_ r: Reader) throws -> (events: Set<NotifyEvent>, policy: DeliveryPolicy, caFile: String?, enabled: Bool) {
            let events = try r.events(variable: "STRATA_NOTIFY_EVENTS", fallback: top)
            var policy = DeliveryPolicy()
            if let t = try top.duration(variable: "STRATA_NOTIFY_TIMEOUT", key: "timeout", channel: r) { policy.timeout = t }
            if let n = try top.int(variable: "STRATA_NOTIFY_RETRIES", key: "retries", channel: r) {
                guard (0...10).contains(n) else { throw ConfigError("\(r.place): retries must be between 0 and 10") }
                policy.retries = n
            }
            if let b = try top.duration(variable: nil, key: "backoff", channel: r) { policy.backoff = b }
            guard policy.timeout > .zero else { throw ConfigError("\(r.place): timeout must be longer than 0s") }
            let ca = try r.path("ca_file") ?? top.variablePath("STRATA_NOTIFY_CA_FILE") ?? top.path("ca_file")
            let enabled = try r.bool("enabled") ?? true
            return (events, policy, ca, enabled)
        }

        // E-mail.
        let e = try sub("email")
        try e.check(known: ["enabled", "server", "port", "security", "username", "password", "from", "from_name", "to", "ca_file",
                            "templates_dir", "helo_name", "events", "timeout", "retries", "backoff"])
        let ec = try common(e)
        if ec.enabled, let server = try e.variable("SMTP_SERVER") ?? e.string("server") {
            let portText = try e.variable("SMTP_PORT") ?? e.string("port")
            var port: Int?
            if let portText {
                guard let p = Int(portText), (1...65535).contains(p) else { throw ConfigError("SMTP port `\(portText)` is not a port number") }
                port = p
            }
            var security: SMTPSecurity
            if let s = try e.variable("SMTP_SECURITY") ?? e.string("security") {
                guard let v = SMTPSecurity(rawValue: s.lowercased()) else {
                    throw ConfigError("SMTP security `\(s)` is not one of starttls, tls, plain")
                }
                security = v
            } else {
                security = port == 465 ? .tls : .starttls
            }
            let username = try e.variable("SMTP_USERNAME") ?? e.string("username")
            let password = try e.variable("SMTP_PASSWORD") ?? e.string("password")
            guard let from = try e.variable("FROM_EMAIL") ?? e.string("from") ?? username.flatMap({ $0.contains("@") ? $0 : nil }) else {
                throw ConfigError("e-mail notifications: SMTP_SERVER is set but no sender; set FROM_EMAIL (or `from` in \(e.place))")
            }
            let fromName = try e.variable("FROM_NAME") ?? e.string("from_name")
            var recipients = try e.variable("MIGRATION_ALERT_EMAIL").map(splitList) ?? e.list("to") ?? []
            if recipients.isEmpty { recipients = [from] }
            for address in [from] + recipients where !EmailAddress.isPlausible(address) {
                throw ConfigError("e-mail notifications: `\(address)` is not an e-mail address")
            }
            settings.email = EmailSettings(
                server: server, port: port ?? (security == .tls ? 465 : security == .plain ? 25 : 587), security: security,
                username: username, password: password, fromEmail: from, fromName: fromName, recipients: recipients,
                caFile: try e.variablePath("SMTP_CA_FILE") ?? ec.caFile, templatesDirectory: try e.path("templates_dir"),
                heloName: try e.string("helo_name"), events: ec.events, policy: ec.policy)
        }

        // Sentry.
        let s = try sub("sentry")
        try s.check(known: ["enabled", "dsn", "ca_file", "events", "timeout", "retries", "backoff"])
        let sc = try common(s)
        if sc.enabled, let text = try s.variable("SENTRY_DSN") ?? s.string("dsn") {
            let origin = s.variables["SENTRY_DSN"].map { $0.isEmpty ? "\(s.place) dsn" : "SENTRY_DSN" } ?? "\(s.place) dsn"
            settings.sentry = SentrySettings(dsn: try SentryDSN(parsing: text, origin: origin), caFile: sc.caFile, events: sc.events, policy: sc.policy)
        }

        // Slack.
        let k = try sub("slack")
        try k.check(known: ["enabled", "webhook_url", "url", "ca_file", "events", "timeout", "retries", "backoff"])
        let kc = try common(k)
        if kc.enabled, let text = try k.variable("SLACK_WEBHOOK_URL") ?? k.string("webhook_url") ?? k.string("url") {
            settings.slack = SlackSettings(webhookURL: try httpURL(text, what: "the Slack webhook URL"), caFile: kc.caFile, events: kc.events, policy: kc.policy)
        }

        // Generic webhook.
        let w = try sub("webhook")
        try w.check(known: ["enabled", "url", "secret", "ca_file", "events", "timeout", "retries", "backoff"])
        let wc = try common(w)
        if wc.enabled, let text = try w.variable("STRATA_WEBHOOK_URL") ?? w.string("url") {
            settings.webhook = WebhookSettings(url: try httpURL(text, what: "the webhook URL"), secret: try w.variable("STRATA_WEBHOOK_SECRET") ?? w.string("secret"),
                                               caFile: wc.caFile, events: wc.events, policy: wc.policy)
        }
        return settings
    }

    static func splitList(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == ";" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func httpURL(_ text: String, what: String) throws -> URL {
        guard let url = URL(string: text.trimmingCharacters(in: .whitespaces)), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw ConfigError("\(what) must be an http:// or https:// URL with a host")
        }
        return url
    }
}

/// Reads one table of `[notify]`, expanding `${VAR}`.
struct Reader {
    let table: [String: ConfigValue]
    let variables: [String: String]
    let place: String
    let baseDirectory: String

    init(table: [String: ConfigValue], variables: [String: String], place: String, baseDirectory: String) throws {
        self.table = table
        self.variables = variables
        self.place = place
        self.baseDirectory = baseDirectory
    }

    func check(known: Set<String>) throws {
        for key in table.keys.sorted() where !known.contains(key) {
            throw ConfigError("\(place): unknown setting `\(key)` (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    func variable(_ name: String) throws -> String? {
        guard let v = variables[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
        return v
    }

    func variablePath(_ name: String) throws -> String? {
        try variable(name).map { absolute($0, base: FileManager.default.currentDirectoryPath) }
    }

    func string(_ key: String) throws -> String? {
        switch table[key] {
        case nil: return nil
        case .string(let s)?:
            let v = try ConfigResolver.expand(s, variables: variables, place: "\(place) `\(key)`").trimmingCharacters(in: .whitespaces)
            return v.isEmpty ? nil : v
        case .int(let i)?: return String(i)
        case let other?: throw ConfigError("\(place): `\(key)` must be a string, not \(other.typeName)")
        }
    }

    func bool(_ key: String) throws -> Bool? {
        switch table[key] {
        case nil: return nil
        case .bool(let b)?: return b
        case let other?: throw ConfigError("\(place): `\(key)` must be true or false, not \(other.typeName)")
        }
    }

    func list(_ key: String) throws -> [String]? {
        switch table[key] {
        case nil: return nil
        case .string?: return try string(key).map(NotifySettings.splitList)
        case .array(let items)?:
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw ConfigError("\(place): `\(key)` must hold strings, not \(item.typeName)") }
                out += NotifySettings.splitList(try ConfigResolver.expand(s, variables: variables, place: "\(place) `\(key)`"))
            }
            return out
        case let other?: throw ConfigError("\(place): `\(key)` must be a string or an array of strings, not \(other.typeName)")
        }
    }

    func path(_ key: String) throws -> String? {
        try string(key).map { absolute($0, base: baseDirectory) }
    }

    /// The channel's events: the variable, else the channel's `events`, else the top level's (`self`), else success and failure.
    func events(variable name: String, fallback top: Reader) throws -> Set<NotifyEvent> {
        let place = self.place
        func parse(_ items: [String], origin: String) throws -> Set<NotifyEvent> {
            var out: Set<NotifyEvent> = []
            for item in items {
                let word = item.lowercased()
                if word == "all" { out.formUnion(NotifyEvent.allCases); continue }
                if word == "none" { continue }
                guard let e = NotifyEvent(rawValue: word) else {
                    throw ConfigError("\(origin): unknown event `\(item)` (use start, success, failure, rollback, all or none)")
                }
                out.insert(e)
            }
            return out
        }
        if let v = try variable(name) { return try parse(NotifySettings.splitList(v), origin: name) }
        if let l = try list("events") { return try parse(l, origin: "\(place) events") }
        if let l = try top.list("events") { return try parse(l, origin: "\(top.place) events") }
        return NotifyEvent.defaults
    }

    func duration(variable name: String?, key: String, channel: Reader) throws -> Duration? {
        if let name, let v = try variable(name) {
            guard let d = DurationText.parse(v) else { throw ConfigError("\(name)=\(v) is not a duration (use 5s, 30s, 1m)") }
            return d
        }
        for r in [channel, self] {
            if let v = try r.string(key) {
                guard let d = DurationText.parse(v) else { throw ConfigError("\(r.place): `\(key)` = \(v) is not a duration (use 5s, 30s, 1m)") }
                return d
            }
        }
        return nil
    }

    func int(variable name: String, key: String, channel: Reader) throws -> Int? {
        if let v = try variable(name) {
            guard let n = Int(v) else { throw ConfigError("\(name)=\(v) is not a whole number") }
            return n
        }
        for r in [channel, self] {
            if let v = try r.string(key) {
                guard let n = Int(v) else { throw ConfigError("\(r.place): `\(key)` = \(v) is not a whole number") }
                return n
            }
        }
        return nil
    }

    private func absolute(_ path: String, base: String) -> String {
        let expanded = path.hasPrefix("~/") ? FileManager.default.homeDirectoryForCurrentUser.path + String(path.dropFirst(1)) : path
        if expanded.hasPrefix("/") { return expanded }
        return URL(fileURLWithPath: base).appendingPathComponent(expanded).standardizedFileURL.path
    }
}

/// Light checks on e-mail addresses (enough to refuse header injection and obvious typos).
enum EmailAddress {
    static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return !address.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == "\"" || $0.asciiValue.map { $0 < 32 } ?? false })
    }
}
