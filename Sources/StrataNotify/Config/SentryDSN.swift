import Foundation
import StrataCore

/// A Sentry DSN, `https://<public key>[:<secret key>]@<host>[:port]/[path/]<project id>`.
///
/// ```swift
/// let dsn = try SentryDSN(parsing: "https://abc123@o1.ingest.sentry.io/42")
/// dsn.envelopeURL   // https://o1.ingest.sentry.io/api/42/envelope/
/// ```
public struct SentryDSN: Sendable, Hashable {
    public var scheme: String
    public var publicKey: String
    public var secretKey: String?
    public var host: String
    public var port: Int?
    /// The path before the project id, without slashes at either end (usually empty).
    public var pathPrefix: String
    public var projectID: String

    public init(parsing text: String, origin: String = "SENTRY_DSN") throws(ConfigError) {
        let fail = ConfigError("\(origin): not a Sentry DSN (expected https://KEY@HOST/PROJECT_ID)")
        guard let c = URLComponents(string: text.trimmingCharacters(in: .whitespaces)), let scheme = c.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = c.host, !host.isEmpty,
              let key = c.user, !key.isEmpty else { throw fail }
        let parts = c.path.split(separator: "/").map(String.init)
        guard let project = parts.last, !project.isEmpty else { throw fail }
        self.scheme = scheme
        self.publicKey = key
        self.secretKey = c.password.flatMap { $0.isEmpty ? nil : $0 }
        self.host = host
        self.port = c.port
        self.pathPrefix = parts.dropLast().joined(separator: "/")
        self.projectID = project
    }

    private var origin: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(h)\(port.map { ":\($0)" } ?? "")"
    }

    /// Where envelopes go: `<origin>/<path>/api/<project>/envelope/`.
    public var envelopeURL: String {
        "\(origin)\(pathPrefix.isEmpty ? "" : "/" + pathPrefix)/api/\(projectID)/envelope/"
    }

    /// The DSN with its public key and without the legacy secret key, as the envelope header's `dsn` carries it.
    public var headerDSN: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(publicKey)@\(h)\(port.map { ":\($0)" } ?? "")/\(pathPrefix.isEmpty ? "" : pathPrefix + "/")\(projectID)"
    }

    /// The server, for messages (no key).
    public var target: String { origin }

    /// `X-Sentry-Auth` header value.
    public func authHeader(client: String) -> String {
        var v = "Sentry sentry_version=7, sentry_client=\(client), sentry_key=\(publicKey)"
        if let secretKey { v += ", sentry_secret=\(secretKey)" }
        return v
    }
}
