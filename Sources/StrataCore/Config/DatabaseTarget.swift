import Foundation

/// How to reach a PostgreSQL server, parsed from a URL or libpq-style variables.
public struct PostgresTarget: Sendable, Hashable {
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, allow, prefer, require, verifyCA = "verify-ca", verifyFull = "verify-full"
    }
    public var host: String = "localhost"
    public var port: Int = 5432
    /// Directory holding the server's Unix socket (`host=/var/run/postgresql`), instead of TCP.
    public var socketDirectory: String?
    public var user: String = "postgres"
    public var password: String?
    public var database: String?
    public var sslMode: SSLMode = .prefer
    /// CA certificate file for `verify-ca` / `verify-full`.
    public var sslRootCert: String?
    public var connectTimeout: Duration = .seconds(10)
    public var applicationName: String?

    public init() {}

    /// `postgres://user@host:port/db` with no password, for messages.
    public var display: String {
        let place = socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } ?? "\(host.contains(":") ? "[\(host)]" : host):\(port)"
        return "postgres://\(user)@\(place)/\(database ?? user)"
    }
}

extension PostgresTarget {
    /// The same server's maintenance database, from which other databases are created and dropped: `postgres`, or
    /// `template1` when this target is `postgres` itself.
    ///
    /// ```swift
    /// var admin = target.maintenance   // CREATE DATABASE / DROP DATABASE run here
    /// ```
    public var maintenance: PostgresTarget {
        var p = self
        p.database = (database ?? user) == "postgres" ? "template1" : "postgres"
        return p
    }
}

/// The database a command works on.
///
/// ```swift
/// let target = try DatabaseTarget.parse("postgres://app:secret@db:5432/app?sslmode=require", origin: "--database")
/// target.display   // "postgres://app@db:5432/app" — never the password
/// ```
public enum DatabaseTarget: Sendable, Hashable {
    case postgres(PostgresTarget)
    /// A SQLite file path, or `:memory:`.
    case sqlite(path: String)

    public var display: String {
        switch self {
        case .postgres(let p): p.display
        case .sqlite(let path): "sqlite:\(path)"
        }
    }

    /// Values that must never be printed (passwords).
    public var secrets: [String] {
        switch self {
        case .postgres(let p): p.password.map { [$0] } ?? []
        case .sqlite: []
        }
    }

    /// Parses `postgres://…`, `postgresql://…`, `sqlite:path`, `sqlite://path`, `sqlite:///abs/path`, `sqlite::memory:`.
    /// - Parameter origin: where the URL came from (a flag or variable name), for the error message.
    public static func parse(_ url: String, origin: String, environment: [String: String] = [:]) throws(ConfigError) -> DatabaseTarget {
        let text = url.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = text.lowercased()
        if lower.hasPrefix("sqlite:") || lower.hasPrefix("sqlite3:") || lower.hasPrefix("file:") {
            var rest = String(text[text.index(after: text.firstIndex(of: ":") ?? text.startIndex)...])
            if rest.hasPrefix("//") { rest.removeFirst(2) }  // sqlite://rel or sqlite:///abs
            if let q = rest.firstIndex(of: "?") { rest = String(rest[..<q]) }
            rest = rest.removingPercentEncoding ?? rest
            guard !rest.isEmpty else { throw ConfigError("\(origin): sqlite URL without a file path (use sqlite:app.sqlite or sqlite:///abs/path.sqlite)") }
            return .sqlite(path: rest)
        }
        guard lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") else {
            let scheme = text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? text
            throw ConfigError("\(origin): unsupported database URL \(DatabaseTarget.safeDescription(text)) (scheme `\(DatabaseTarget.safeDescription(scheme))`); use postgres://user@host:5432/db or sqlite:path")
        }
        guard let components = URLComponents(string: text) else {
            throw ConfigError("\(origin): malformed database URL \(DatabaseTarget.safeDescription(text)); check for characters that need percent-encoding (such as @, : or / in the password)")
        }
        var t = PostgresTarget()
        applyLibpqDefaults(&t, environment)
        if let host = components.host, !host.isEmpty {
            t.host = host.removingPercentEncoding ?? host
            // URLComponents keeps the brackets of an IPv6 literal (`[::1]`); the driver and `display` want the bare address.
            if t.host.hasPrefix("["), t.host.hasSuffix("]") { t.host = String(t.host.dropFirst().dropLast()) }
            if t.host.hasPrefix("/") { t.socketDirectory = t.host } else { t.socketDirectory = nil }
        }
        if let port = components.port {
            guard (1...65535).contains(port) else { throw ConfigError("\(origin): port \(port) out of range in \(DatabaseTarget.safeDescription(text))") }
            t.port = port
        } else if text.range(of: #"@(\[[^\]]*\]|[^/?\[]*):[^0-9/?]"#, options: .regularExpression) != nil {  // `[v6]` hosts hold colons
            throw ConfigError("\(origin): port is not a number in \(DatabaseTarget.safeDescription(text))")
        }
        if let user = components.percentEncodedUser, !user.isEmpty { t.user = user.removingPercentEncoding ?? user }
        if let pw = components.percentEncodedPassword { t.password = pw.removingPercentEncoding ?? pw }
        let path = components.percentEncodedPath
        if path.count > 1 { t.database = String(path.dropFirst()).removingPercentEncoding ?? String(path.dropFirst()) }
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name.lowercased() {
            case "sslmode":
                guard let mode = PostgresTarget.SSLMode(rawValue: value.lowercased()) else {
                    throw ConfigError("\(origin): sslmode=\(value) is not one of \(PostgresTarget.SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                t.sslMode = mode
            case "sslrootcert": t.sslRootCert = value
            case "host":
                if value.hasPrefix("/") { t.socketDirectory = value } else { t.host = value }
            case "port":
                guard let p = Int(value), (1...65535).contains(p) else { throw ConfigError("\(origin): port=\(value) is not a valid port") }
                t.port = p
            case "user": t.user = value
            case "password": t.password = value
            case "dbname": t.database = value
            case "connect_timeout":
                guard let s = Int(value), s > 0, s <= 86_400 else { throw ConfigError("\(origin): connect_timeout=\(value) must be a whole number of seconds between 1 and 86400") }
                t.connectTimeout = .seconds(s)
            case "application_name": t.applicationName = value
            default:
                throw ConfigError("\(origin): unknown URL parameter `\(item.name)` (known: sslmode, sslrootcert, host, port, user, password, dbname, connect_timeout, application_name)")
            }
        }
        if t.database == nil { t.database = t.user }
        return .postgres(t)
    }

    /// A URL shown in an error without anything between `://` and the last `@` of its authority (user and
    /// password), even when the URL is too malformed to parse.
    public static func safeDescription(_ original: String) -> String {
        let url = Redactor.redactURL(original)
        guard let schemeEnd = url.range(of: "://") else { return Redactor.redactURL(url) }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return Redactor.redactURL(url) }
        return String(url[..<schemeEnd.upperBound]) + "***@" + String(url[url.index(after: at)...])
    }

    /// Fills what a URL leaves out from libpq's variables (PGPASSWORD, PGSSLMODE, PGSSLROOTCERT, PGCONNECT_TIMEOUT).
    static func applyLibpqDefaults(_ t: inout PostgresTarget, _ env: [String: String]) {
        if let pw = env["PGPASSWORD"], !pw.isEmpty { t.password = pw }
        if let mode = env["PGSSLMODE"].flatMap({ PostgresTarget.SSLMode(rawValue: $0.lowercased()) }) { t.sslMode = mode }
        if let cert = env["PGSSLROOTCERT"], !cert.isEmpty { t.sslRootCert = cert }
        if let s = env["PGCONNECT_TIMEOUT"].flatMap({ Int($0) }), s > 0, s <= 86_400 { t.connectTimeout = .seconds(s) }
    }

    /// A target from `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE` (and `PGSSLMODE`…), when any of host, port, user or database is set.
    public static func fromLibpq(_ env: [String: String]) throws(ConfigError) -> DatabaseTarget? {
        guard ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE"].contains(where: { !(env[$0] ?? "").isEmpty }) else { return nil }
        var t = PostgresTarget()
        applyLibpqDefaults(&t, env)
        if let h = env["PGHOST"], !h.isEmpty { if h.hasPrefix("/") { t.socketDirectory = h } else { t.host = h } }
        if let p = env["PGPORT"], !p.isEmpty {
            guard let port = Int(p), (1...65535).contains(port) else { throw ConfigError("PGPORT=\(p) is not a valid port") }
            t.port = port
        }
        if let u = env["PGUSER"], !u.isEmpty { t.user = u }
        t.database = env["PGDATABASE"].flatMap { $0.isEmpty ? nil : $0 } ?? t.user
        return .postgres(t)
    }

    /// A target from `PREFIX_HOST`, `_PORT`, `_USER`, `_NAME`, `_PASSWORD` (prefix `DATABASE` or `DB`), when host or name is set.
    public static func fromParts(prefix: String, _ env: [String: String]) throws(ConfigError) -> DatabaseTarget? {
        func v(_ k: String) -> String? { env["\(prefix)_\(k)"].flatMap { $0.isEmpty ? nil : $0 } }
        guard v("HOST") != nil || v("NAME") != nil else { return nil }
        var t = PostgresTarget()
        applyLibpqDefaults(&t, env)
        if let h = v("HOST") { if h.hasPrefix("/") { t.socketDirectory = h } else { t.host = h } }
        if let p = v("PORT") {
            guard let port = Int(p), (1...65535).contains(port) else { throw ConfigError("\(prefix)_PORT=\(p) is not a valid port") }
            t.port = port
        }
        if let u = v("USER") { t.user = u }
        if let pw = v("PASSWORD") { t.password = pw }
        t.database = v("NAME") ?? t.user
        if let mode = v("SSLMODE") {
            guard let m = PostgresTarget.SSLMode(rawValue: mode.lowercased()) else { throw ConfigError("\(prefix)_SSLMODE=\(mode) is not a valid sslmode") }
            t.sslMode = m
        }
        return .postgres(t)
    }
}
