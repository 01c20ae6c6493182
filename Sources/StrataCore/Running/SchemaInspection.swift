import Foundation

/// One read-only look at a database, compared with a migrations directory: what `strata check`,
/// `strata preflight` and `SchemaGate` report. Reading it changes nothing (an SQLite file that does not
/// exist is not created) and never waits for the migration lock.
///
/// ```swift
/// let seen = try await SchemaInspection.read(driver: driver, migrations: migrations, requiredTables: ["users"])
/// print(seen.pending.map(\.version.digits), seen.missingTables, seen.lockHolder?.description ?? "lock free")
/// ```
public struct SchemaInspection: Sendable {
    /// The database, safe to print.
    public var database: String
    /// e.g. "PostgreSQL 15.8".
    public var serverVersion: String
    /// Time to open a session and read the server version.
    public var latency: Duration
    /// Whether the history table exists (absent before the first run).
    public var historyTableExists: Bool
    public var historyTable: QualifiedName
    public var applied: [AppliedMigration]
    /// Every migration of the directory or the history, ordered by version.
    public var statuses: [MigrationStatus]
    public var requiredTables: [String]
    /// The entries of ``requiredTables`` that do not exist, in the order given.
    public var missingTables: [String]
    /// Who holds the migration lock, when someone does.
    public var lockHolder: LockHolder?
    /// When the history was read (this machine's clock).
    public var checkedAt: Date

    public func statuses(_ state: MigrationStatus.State) -> [MigrationStatus] { statuses.filter { $0.state == state } }
    public var pending: [MigrationStatus] { statuses(.pending) }
    public var dirty: [MigrationStatus] { statuses(.dirty) }
    /// Applied, but the file changed since.
    public var changed: [MigrationStatus] { statuses(.changed) }
    /// Applied, but no file in the directory (the database is ahead of it).
    public var missingFiles: [MigrationStatus] { statuses(.missing) }
    /// The newest applied version.
    public var currentVersion: MigrationVersion? { applied.filter { $0.state == .applied && !$0.version.isRepeatable }.map(\.version).max() }
    /// The newest version in the directory.
    public var headVersion: MigrationVersion? { statuses.filter { $0.state != .missing && !$0.version.isRepeatable }.map(\.version).max() }

    /// Reads the history, the required tables and the lock holder on one read-only session.
    /// - Parameters:
    ///   - requiredTables: table names, optionally schema-qualified (`audit.events`); on PostgreSQL an
    ///     unqualified name is looked up through `search_path`.
    ///   - migrationsTable: the history table as configured (unqualified: the session's schema).
    /// - Throws: ``ConnectionError`` when the database cannot be reached, ``DatabaseError`` when a read fails.
    public static func read(driver: any DatabaseDriver, migrations: [Migration], requiredTables: [String] = [],
                            migrationsTable: QualifiedName = QualifiedName(schema: nil, name: "strata_migrations"),
                            eventsTable: QualifiedName = QualifiedName(schema: nil, name: "strata_events")) async throws -> SchemaInspection {
        let clock = ContinuousClock()
        let start = clock.now
        // The same key `Migrator` locks: the table name as configured, before it is pinned to a schema.
        let lock = driver.makeLock(for: migrationsTable, holderDescription: "strata check")
        return try await driver.withSession(readOnly: true) { session in
            let server = try await driver.serverVersion(on: session)
            let latency = clock.now - start
            let store = try await HistoryStore(dialect: driver.dialect, migrations: migrationsTable, events: eventsTable).bound(to: session)
            let exists = try await store.exists(on: session)
            let applied = exists ? try await store.applied(on: session) : []
            var missing: [String] = []
            for table in requiredTables where try await !tableExists(table, dialect: driver.dialect, on: session) {
                missing.append(table)
            }
            // Best effort: a role that cannot see other sessions (pg_stat_activity) still gets the rest.
            let holder = (try? await lock.currentHolder(on: session)) ?? nil
            return SchemaInspection(database: driver.displayTarget, serverVersion: server, latency: latency, historyTableExists: exists,
                                    historyTable: store.migrationsTable, applied: applied,
                                    statuses: MigrationStatus.compute(migrations: migrations, applied: applied),
                                    requiredTables: requiredTables, missingTables: missing, lockHolder: holder, checkedAt: Date())
        }
    }

    static func tableExists(_ table: String, dialect: any SQLDialect, on session: any DatabaseSession) async throws -> Bool {
        let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
        let name = parts.count == 2 ? QualifiedName(schema: parts[0], name: parts[1]) : QualifiedName(schema: nil, name: table)
        return try await session.query(dialect.tableExistsQuery(name)).first?[0] == "1"
    }
}
