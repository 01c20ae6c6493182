import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import StrataCore
import Synchronization

/// PostgreSQL through postgres-nio: sessions, the advisory lock, TLS (`sslmode`), Unix sockets.
///
/// ```swift
/// var target = PostgresTarget()
/// target.host = "db.internal"; target.database = "app"; target.sslMode = .verifyFull
/// let driver = PostgresDriver(target: target)
/// try await driver.withSession { try await $0.execute("SELECT 1") }
/// ```
public struct PostgresDriver: DatabaseDriver {
    public let target: PostgresTarget
    public let logger: Logger
    /// The connection ``withSessionKeptForNext(_:)`` left for the next session (shared by copies of this driver).
    let kept = Kept<KeptConnection>()
    /// The lock ``prepareLock(for:holderDescription:)`` started, until ``makeLock(for:holderDescription:)`` takes it.
    let preparedLock = Kept<AdvisoryLock>()

    public init(target: PostgresTarget, logger: Logger = Logger(label: "strata.postgres")) {
        self.target = target
        self.logger = logger
    }

    public var dialect: any SQLDialect { PostgresDialect() }
    public var displayTarget: String { target.display }

    /// Opens a connection, mapping every failure to a ``ConnectionError`` that holds no password.
    func connect(applicationName: String? = nil) async throws -> PostgresConnection {
        let configuration = try makeConfiguration(applicationName: applicationName)
        do {
            return try await withThrowingTaskGroup(of: PostgresConnection.self) { group in
                group.addTask {
                    try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
                }
                group.addTask {
                    try await Task.sleep(for: target.connectTimeout + .seconds(1))
                    throw ConnectionError(target: target.display, reason: "timed out after \(DurationText.format(target.connectTimeout))")
                }
                guard let first = try await group.next() else { throw CancellationError() }
                group.cancelAll()
                return first
            }
        } catch let e as ConnectionError {
            throw e
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ConnectionError(target: target.display, reason: Self.describeConnectFailure(error), underlying: redacted(String(reflecting: error)))
        }
    }

    func redacted(_ text: String) -> String {
        Redactor(secrets: target.password.map { [$0] } ?? []).redact(text)
    }

    static func describeConnectFailure(_ error: any Error) -> String {
        guard let e = error as? PSQLError else { return "\(error)" }
        if let info = e.serverInfo, let message = info[.message] {
            let state = info[.sqlState]
            switch state {
            case "28P01": return "password authentication failed for the user (check the password)"
            case "28000": return "the server refused the login: \(message)"
            case "3D000": return "\(message) (check the database name)"
            default: return message + (state.map { " (SQLSTATE \($0))" } ?? "")
            }
        }
        switch e.code {
        case .sslUnsupported: return "the server does not support TLS, but sslmode requires it"
        case .connectionError:
            if let u = e.underlying { return "connection failed: \(u)" }
            return "connection failed"
        case .authMechanismRequiresPassword: return "the server asks for a password and none was given (set it in the URL, PGPASSWORD or DATABASE_PASSWORD)"
        case .serverClosedConnection: return "the server closed the connection"
        default:
            if let u = e.underlying { return "\(e.code): \(u)" }
            return "\(e.code)"
        }
    }

    func makeConfiguration(applicationName: String?) throws -> PostgresConnection.Configuration {
        var config: PostgresConnection.Configuration
        if let dir = target.socketDirectory {
            config = .init(unixSocketPath: "\(dir)/.s.PGSQL.\(target.port)", username: target.user, password: target.password, database: target.database)
        } else {
            config = .init(host: target.host, port: target.port, username: target.user, password: target.password,
                           database: target.database, tls: try makeTLS())
            config.options.tlsServerName = target.host.first?.isNumber == true || target.host.contains(":") ? nil : target.host
        }
        config.options.connectTimeout = .milliseconds(DurationText.milliseconds(target.connectTimeout))
        let name = String((applicationName ?? target.applicationName ?? "strata").utf8.prefix(63)) ?? "strata"
        config.options.additionalStartupParameters = [("application_name", name)]
        return config
    }

    func makeTLS() throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch target.sslMode {
        case .disable: return .disable
        case .allow, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let root = target.sslRootCert, target.sslMode == .verifyCA || target.sslMode == .verifyFull {
            guard FileManager.default.isReadableFile(atPath: root) else {
                throw ConnectionError(target: target.display, reason: "sslrootcert \(root) is not a readable file")
            }
            tls.trustRoots = .file(root)
        }
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: tls) } catch {
            throw ConnectionError(target: target.display, reason: "cannot set up TLS: \(error)")
        }
        switch target.sslMode {
        case .allow, .prefer: return .prefer(context)
        default: return .require(context)
        }
    }

    public func withSession<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R {
        try await withSession(keep: false, body)
    }

    public func withSessionKeptForNext<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R {
        try await withSession(keep: true, body)
    }

    public func closeKeptConnection() async {
        if let connection = kept.take()?.connection { try? await connection.close() }
        // Closed in the background: a run that failed before its lock (a bad file) must not wait for a connection.
        preparedLock.take()?.abandon()
    }

    public func prepareLock(for table: QualifiedName, holderDescription: String) {
        let lock = AdvisoryLock(driver: self, key: AdvisoryLock.key(for: table), holderDescription: holderDescription)
        lock.prepare()
        preparedLock.put(lock)?.abandon()
    }

    private func withSession<R: Sendable>(keep: Bool, _ body: (any DatabaseSession) async throws -> R) async throws -> R {
        let session: PostgresSession
        if let kept = await keptSession() { session = kept } else { session = try await newSession() }
        let connection = session.connection
        do {
            let result = try await body(session)
            if keep && !connection.isClosed {
                let keeping = KeptConnection(connection: connection, backendPID: session.backendPID.withLock { $0 }, keptAt: .now)
                if let replaced = kept.put(keeping) { try? await replaced.connection.close() }
            } else {
                // Started, not waited for: the Terminate message and the socket's close are queued on the connection's
                // event loop at once, and the server ends the session on either. Waiting cost a run 2-3 ms: the close
                // wakes the server's backend, whose exit took the closing thread's core (two cores here).
                let _: EventLoopFuture<Void> = connection.close()
            }
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The kept connection as a session. The server may have closed it while it waited (idle_session_timeout, a
    /// pooler, a restart): nil (and closed) when the connection knows it is closed, or, kept for a second or more,
    /// when it does not answer the query that reads its backend's PID. Taken back sooner (a run's guard keeps it
    /// while the files are read, a few milliseconds), it is used as it is: that check was a round trip of every run.
    private func keptSession() async -> PostgresSession? {
        guard let found = kept.take() else { return nil }
        let connection = found.connection
        if connection.isClosed {
            try? await connection.close()
            return nil
        }
        let session = PostgresSession(connection: connection, driver: self)
        if let pid = found.backendPID, ContinuousClock.now - found.keptAt < KeptConnection.trustedFor {
            session.backendPID.withLock { $0 = pid }
            return session
        }
        guard let rows = try? await session.query("SELECT pg_backend_pid()") else {
            try? await connection.close()
            return nil
        }
        session.backendPID.withLock { $0 = rows.first?[0].flatMap { Int32($0) } }
        return session
    }

    /// A session on a new connection, its backend's PID read.
    private func newSession() async throws -> PostgresSession {
        let connection = try await connect()
        let session = PostgresSession(connection: connection, driver: self)
        do {
            // If this process dies (kill -9), the server stops its statement at the next check instead of finishing
            // and committing it after the lock, held on another connection, is already free (PostgreSQL 14+).
            let pidRow = try? await session.query("SELECT pg_backend_pid(), set_config('client_connection_check_interval', '500ms', false)")
            let rows: [Row]
            if let pidRow { rows = pidRow } else { rows = try await session.query("SELECT pg_backend_pid()") }
            session.backendPID.withLock { $0 = rows.first?[0].flatMap { Int32($0) } }
            return session
        } catch {
            try? await connection.close()
            throw error
        }
    }

    public func makeLock(for table: QualifiedName, holderDescription: String) -> any MigrationLock {
        let key = AdvisoryLock.key(for: table)
        let prepared = preparedLock.take { $0.key == key && $0.holderDescription == holderDescription }
        return prepared ?? AdvisoryLock(driver: self, key: key, holderDescription: holderDescription)
    }

    public func serverVersion(on session: any DatabaseSession) async throws -> String {
        "PostgreSQL " + (try await session.query("SHOW server_version").first?[0] ?? "?")
    }
}

/// A connection ``PostgresDriver/withSessionKeptForNext(_:)`` kept: its backend's PID, and when it was kept.
struct KeptConnection: Sendable {
    /// How long a kept connection that does not know itself closed is used without asking the server first.
    static let trustedFor = Duration.seconds(1)
    let connection: PostgresConnection
    let backendPID: Int32?
    let keptAt: ContinuousClock.Instant
}

/// One value kept between two steps of a run and shared by copies of a driver: the connection
/// ``PostgresDriver/withSessionKeptForNext(_:)`` kept, the lock ``PostgresDriver/prepareLock(for:holderDescription:)`` started.
final class Kept<Value: Sendable>: Sendable {
    private let slot = Mutex<Value?>(nil)

    /// The kept value, now the caller's.
    func take() -> Value? {
        slot.withLock { kept in
            defer { kept = nil }
            return kept
        }
    }

    /// The kept value, now the caller's, if `matches` accepts it; otherwise it stays.
    func take(if matches: (Value) -> Bool) -> Value? {
        slot.withLock { kept in
            guard let value = kept, matches(value) else { return nil }
            kept = nil
            return value
        }
    }

    /// Keeps `value`; returns the one it replaces, for the caller to close.
    func put(_ value: Value) -> Value? {
        slot.withLock { kept in
            defer { kept = value }
            return kept
        }
    }
}
