import Foundation
import PostgresNIO
import StrataCore
import Synchronization

/// A session advisory lock held on its own connection for the whole run.
///
/// Waiters poll `pg_try_advisory_lock` with back-off rather than blocking inside a query, so a waiting
/// runner holds no snapshot that `CREATE INDEX CONCURRENTLY` in the holder would wait for. The holder's
/// connection carries an `application_name` naming the run, so waiters can say who holds the lock.
final class AdvisoryLock: MigrationLock {
    let driver: PostgresDriver
    let key: (Int32, Int32)
    let holderDescription: String
    /// The connection holding the lock, while it is held.
    private let held = Mutex<PostgresConnection?>(nil)
    /// The lock's connection being opened ahead of ``withLock(timeout:onWait:_:)`` (see ``prepare()``).
    private let pending = Mutex<Task<PostgresConnection, any Error>?>(nil)

    init(driver: PostgresDriver, key: (Int32, Int32), holderDescription: String) {
        self.driver = driver
        self.key = key
        self.holderDescription = holderDescription
    }

    func checkHeld() async throws {
        guard let connection = held.withLock({ $0 }) else { return }
        if connection.isClosed { throw LockLostError(reason: "its PostgreSQL connection was closed or terminated") }
    }

    /// A fixed namespace ("STRA") and a 31-bit FNV-1a hash of the history table's qualified name.
    static func key(for table: QualifiedName) -> (Int32, Int32) {
        var hash: UInt32 = 2_166_136_261
        for b in "\(table.schema ?? "public").\(table.name)".utf8 {
            hash = (hash ^ UInt32(b)) &* 16_777_619
        }
        return (0x5354_5241, Int32(bitPattern: hash & 0x7FFF_FFFF))
    }

    /// Opens the lock's connection in the background: a run then sets up its session and lock connections at the
    /// same time (each is a TCP handshake, TLS and SCRAM: about 5 ms here).
    func prepare() {
        let driver = driver, name = holderDescription
        pending.withLock { task in
            if task == nil { task = Task { try await driver.connect(applicationName: name) } }
        }
    }

    func abandon() {
        guard let task = takePending() else { return }
        Task {
            if let connection = try? await task.value { try? await connection.close() }
        }
    }

    private func takePending() -> Task<PostgresConnection, any Error>? {
        pending.withLock { task in
            defer { task = nil }
            return task
        }
    }

    func withLock<R: Sendable>(timeout: Duration, onWait: @escaping @Sendable (LockHolder?) -> Void,
                               _ body: () async throws -> R) async throws -> R {
        let (connection, lockedAtOnce) = try await lockConnection()
        let clock = ContinuousClock()
        let start = clock.now
        var delay = Duration.milliseconds(25)
        var announced = false
        do {
            var locked = lockedAtOnce
            while !locked {
                let waited = clock.now - start
                if waited >= timeout { throw LockTimeoutError(waited: waited, holder: try? await holder(connection)) }
                if !announced { onWait(try? await holder(connection)); announced = true }
                try await Task.sleep(for: min(delay, timeout - waited))
                delay = min(delay * 2, .seconds(1))
                locked = try await tryLock(connection)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        held.withLock { $0 = connection }
        defer { held.withLock { $0 = nil } }
        do {
            let result = try await body()
            try? await unlock(connection)
            // The lock is free once the unlock is answered; the connection closes on its own time (a CLI run exits
            // meanwhile: the server ends the session either way).
            Task { try? await connection.close() }
            return result
        } catch {
            try? await unlock(connection)
            try? await connection.close()
            throw error
        }
    }

    /// The connection to hold the lock on: the one ``prepare()`` opened when it is still usable, else a new one; and
    /// whether the first try took the lock.
    ///
    /// A connection opened early may have failed (a server restarting or full) or been closed while it waited (a long
    /// backup before the run, a server restart). An idle lock connection must not be closed by the server's
    /// `idle_session_timeout` (PostgreSQL 14+): the first try sets it to 0, and is also the check that the connection
    /// answers.
    private func lockConnection() async throws -> (PostgresConnection, Bool) {
        if let prepared = takePending() {
            let early = try? await withTaskCancellationHandler { try await prepared.value } onCancel: { prepared.cancel() }
            try Task.checkCancellation()
            if let early {
                if let locked = try await firstTry(early) { return (early, locked) }
                try? await early.close()
            }
        }
        let connection = try await driver.connect(applicationName: holderDescription)
        do {
            if let locked = try await firstTry(connection) { return (connection, locked) }
            throw LockLostError(reason: "its new PostgreSQL connection was closed before the lock was taken")
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The first `pg_try_advisory_lock` on `c`, setting `idle_session_timeout` to 0 (where the server has it) in the
    /// same query; nil when `c` is closed, or is closed under the query (the watch fails a query the server will never
    /// answer). An error of the server is thrown, as a later try's would be.
    private func firstTry(_ c: PostgresConnection) async throws -> Bool? {
        if c.isClosed { return nil }
        let sql = """
            SELECT pg_try_advisory_lock(\(key.0), \(key.1)), CASE WHEN pg_catalog.current_setting('idle_session_timeout', true) IS NOT NULL \
            THEN pg_catalog.set_config('idle_session_timeout', '0', false) END
            """
        do {
            let rows = try await ConnectionWatch(c, target: driver.displayTarget).run { () -> EventLoopFuture<PostgresQueryResult> in
                c.query(PostgresQuery(unsafeSQL: sql), logger: driver.logger)
            }
            for row in rows.rows { return (try? row.decode((Bool, String?).self).0) ?? false }
            return false
        } catch {
            if c.isClosed { return nil }
            throw error
        }
    }

    private func tryLock(_ c: PostgresConnection) async throws -> Bool {
        let rows = try await c.query(PostgresQuery(unsafeSQL: "SELECT pg_try_advisory_lock(\(key.0), \(key.1))"), logger: driver.logger)
        for try await row in rows { return (try? row.decode(Bool.self)) ?? false }
        return false
    }

    private func unlock(_ c: PostgresConnection) async throws {
        // A lock connection the server has closed holds no lock; a query on it might never be answered.
        _ = try await ConnectionWatch(c, target: driver.displayTarget).run { () -> EventLoopFuture<PostgresQueryResult> in
            c.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(\(key.0), \(key.1))"), logger: driver.logger)
        }
    }

    /// The session holding this lock: application name, server pid, client address, connection time.
    private var holderSQL: String {
        """
        SELECT a.application_name, a.pid, coalesce(a.client_addr::text, 'local'), \
        to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') \
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = \(key.0) AND l.objid = \(key.1) AND l.objsubid = 2 \
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1
        """
    }

    private static func describeHolder(app: String?, pid: String?, addr: String?, since: String?) -> LockHolder {
        LockHolder("\(app ?? "?") (server pid \(pid ?? "?"), from \(addr ?? "?"), connected since \(since ?? "?"))")
    }

    private func holder(_ c: PostgresConnection) async throws -> LockHolder? {
        for try await row in try await c.query(PostgresQuery(unsafeSQL: holderSQL), logger: driver.logger) {
            let (app, pid, addr, since) = try row.decode((String, Int32, String, String).self)
            return Self.describeHolder(app: app, pid: String(pid), addr: addr, since: since)
        }
        return nil
    }

    func currentHolder(on session: any DatabaseSession) async throws -> LockHolder? {
        guard let r = try await session.query(holderSQL).first else { return nil }
        return Self.describeHolder(app: r[0], pid: r[1], addr: r[2], since: r[3])
    }
}
