import Foundation

/// A schema-qualified table name.
public struct QualifiedName: Sendable, Hashable, CustomStringConvertible {
    public var schema: String?
    public var name: String
    public init(schema: String?, name: String) {
        self.schema = schema
        self.name = name
    }
    public var description: String { schema.map { "\($0).\(name)" } ?? name }
}

/// Who holds a migration lock, for the message a waiting runner prints.
public struct LockHolder: Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The lock that serialises runners on one database. Released on every exit path, cancellation included.
public protocol MigrationLock: Sendable {
    /// Waits up to `timeout` for the lock (polling, never blocking inside a query), runs `body`, releases.
    /// - Parameter onWait: called once when the lock is busy, with its holder when known.
    func withLock<R: Sendable>(timeout: Duration, onWait: @escaping @Sendable (LockHolder?) -> Void,
                               _ body: () async throws -> R) async throws -> R
    /// Throws ``LockLostError`` when the lock is no longer held (its connection was terminated).
    func checkHeld() async throws
    /// Who holds the lock right now, looked up on `session` without waiting for the lock or taking it
    /// (`strata preflight`, `strata check`). Nil when it is free, or when the driver cannot tell.
    func currentHolder(on session: any DatabaseSession) async throws -> LockHolder?
    /// Starts setting up what ``withLock(timeout:onWait:_:)`` needs (PostgreSQL: the lock's own connection), so that
    /// it happens while the caller opens its session; `withLock` takes it over. Call ``abandon()`` when `withLock`
    /// is not called after all.
    func prepare()
    /// Closes what ``prepare()`` set up and `withLock` did not take over (in the background: never waits).
    func abandon()
}

extension MigrationLock {
    public func checkHeld() async throws {}
    public func currentHolder(on session: any DatabaseSession) async throws -> LockHolder? { nil }
    public func prepare() {}
    public func abandon() {}
}

/// The lock's connection went away mid-run, so another runner may now hold the lock.
public struct LockLostError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String {
        "the migration lock was lost (\(reason)); the run stopped before its next step (with --single-transaction, everything was rolled back). Check `strata status`, then run the command again."
    }
}

extension DatabaseDriver {
    public func withSession<R: Sendable>(readOnly: Bool, _ body: (any DatabaseSession) async throws -> R) async throws -> R {
        try await withSession(body)
    }
    public func withSessionKeptForNext<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R {
        try await withSession(readOnly: true, body)
    }
    public func closeKeptConnection() async {}
    public func prepareLock(for table: QualifiedName, holderDescription: String) {}
}

/// The lock was not acquired within the wait.
public struct LockTimeoutError: Error, Sendable, CustomStringConvertible {
    public var waited: Duration
    public var holder: LockHolder?
    public init(waited: Duration, holder: LockHolder?) {
        self.waited = waited
        self.holder = holder
    }
    public var description: String {
        "could not acquire the migration lock within \(DurationText.format(waited))"
            + (holder.map { "; it is held by \($0)" } ?? "")
            + ". Wait for that run to finish, or raise --lock-wait."
    }
}

/// A database Strata can migrate, chosen by URL scheme (`postgres://`, `sqlite:`).
///
/// ```swift
/// let driver = try DriverRegistry.driver(for: "sqlite:app.sqlite")
/// try await driver.withSession { try await $0.execute("SELECT 1") }
/// ```
public protocol DatabaseDriver: Sendable {
    var dialect: any SQLDialect { get }
    /// The target, safe to print (no password).
    var displayTarget: String { get }
    /// Opens a session, runs `body`, closes the session.
    func withSession<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R
    /// A session for reading only (status, dry runs): it must not create anything, not even an SQLite file.
    func withSession<R: Sendable>(readOnly: Bool, _ body: (any DatabaseSession) async throws -> R) async throws -> R
    /// A read-only session whose connection, when `body` returns normally, is kept open for this driver's next
    /// session instead of being closed: a check that runs just before a migration run then costs the run no
    /// connection of its own. `body` must leave no transaction open and no session setting changed. A kept connection nobody takes is closed by ``closeKeptConnection()`` (or when the
    /// process exits). Drivers without connections run a plain read-only session (the default).
    func withSessionKeptForNext<R: Sendable>(_ body: (any DatabaseSession) async throws -> R) async throws -> R
    /// Closes the connection ``withSessionKeptForNext(_:)`` kept, if no session has taken it, and what
    /// ``prepareLock(for:holderDescription:)`` opened, if no run has taken it (in the background: a run that failed
    /// before taking its lock does not wait for that connection).
    func closeKeptConnection() async
    /// Starts setting up the lock for `table` (PostgreSQL: its own connection, a TCP, TLS and SCRAM handshake) before a
    /// run asks for it, so it happens while the run reads its files and checks the database: the next
    /// ``makeLock(for:holderDescription:)`` with the same arguments returns that lock. Drivers without connections do
    /// nothing (the default).
    ///
    /// ```swift
    /// driver.prepareLock(for: table, holderDescription: holder)       // connecting in the background
    /// let migrations = try await source.migrations()                  // meanwhile
    /// let lock = driver.makeLock(for: table, holderDescription: holder)  // takes the connection over
    /// ```
    func prepareLock(for table: QualifiedName, holderDescription: String)
    /// The lock for the history table `table`.
    func makeLock(for table: QualifiedName, holderDescription: String) -> any MigrationLock
    /// The server's product and version, e.g. "PostgreSQL 15.8".
    func serverVersion(on session: any DatabaseSession) async throws -> String
}
