import Foundation

/// A history operation cannot be done as asked.
public struct HistoryOperationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What `strata repair` does with a dirty row.
public enum RepairResolution: String, Sendable, CaseIterable, Codable {
    /// The user finished the migration by hand: keep the row, mark it applied.
    case applied
    /// The user undid the partial changes: remove the row, so the migration is pending again.
    case pending
}

extension Migrator {
    /// Reads the history (without the lock) and compares it with `migrations`.
    public func status(migrations: [Migration]) async throws -> (applied: [AppliedMigration], statuses: [MigrationStatus]) {
        try await driver.withSession(readOnly: true) { session in
            let applied = try await store.bound(to: session).applied(on: session)
            return (applied, MigrationStatus.compute(migrations: migrations, applied: applied))
        }
    }

    /// The newest audit events, newest first.
    public func events(limit: Int) async throws -> [MigrationEvent] {
        try await driver.withSession(readOnly: true) { session in try await store.bound(to: session).events(on: session, limit: limit) }
    }

    private func event(_ version: MigrationVersion?, _ direction: MigrationEvent.Direction, error: String? = nil) -> MigrationEvent {
        MigrationEvent(runID: context.runID, version: version, direction: direction, outcome: .ok, startedAt: Date(), finishedAt: Date(),
                       error: error, environment: context.environment, host: context.host, user: context.user)
    }

    private func row(_ m: Migration) -> AppliedMigration {
        AppliedMigration(version: m.version, name: m.name, checksum: m.checksum, appliedAt: Date(), durationMs: 0,
                         appliedBy: context.user, host: context.host, strataVersion: context.strataVersion)
    }

    /// Records every migration up to and including `version` as applied without running it (for a database that already has the schema).
    /// - Returns: the versions recorded.
    public func baseline(to version: MigrationVersion, migrations: [Migration], lockWait: Duration) async throws -> [MigrationVersion] {
        guard migrations.contains(where: { $0.version == version }) else {
            throw HistoryOperationError("no migration with version \(version.digits) in the directory; baseline takes the version of an existing migration")
        }
        return try await withLockedSession(lockWait: lockWait) { locked in
            let session = locked.session, store = locked.store
            let applied = Set(try await store.applied(on: session).map(\.version))
            let todo = migrations.filter { $0.version <= version && !applied.contains($0.version) }
            guard !todo.isEmpty else { return [] }
            try await session.withTransaction(begin: driver.dialect.beginTransaction) { s in
                for m in todo {
                    try await s.execute(store.insert(row(m)))
                    try await s.execute(store.insert(event(m.version, .baseline)))
                }
            }
            return todo.map(\.version)
        }
    }

    /// Records one pending migration as applied without running it ("skip a migration"), noted in the events.
    public func markApplied(_ version: MigrationVersion, migrations: [Migration], lockWait: Duration) async throws {
        guard let m = migrations.first(where: { $0.version == version }) else {
            throw HistoryOperationError("no migration with version \(version.digits) in the directory")
        }
        try await withLockedSession(lockWait: lockWait) { locked in
            let session = locked.session, store = locked.store
            if try await store.applied(on: session).contains(where: { $0.version == version }) {
                throw HistoryOperationError("migration \(version.digits) \(m.name) is already recorded in the history")
            }
            try await session.withTransaction(begin: driver.dialect.beginTransaction) { s in
                try await s.execute(store.insert(row(m)))
                try await s.execute(store.insert(event(m.version, .markApplied, error: "marked applied without running")))
            }
        }
    }

    /// Clears dirty rows after the database was fixed by hand. With `version` nil, every dirty row.
    /// - Returns: the versions repaired.
    public func repair(_ version: MigrationVersion?, as resolution: RepairResolution, lockWait: Duration) async throws -> [MigrationVersion] {
        try await withLockedSession(lockWait: lockWait) { locked in
            let session = locked.session, store = locked.store
            let dirty = try await store.applied(on: session).filter { $0.state == .dirty && (version == nil || $0.version == version) }
            if dirty.isEmpty {
                if let version { throw HistoryOperationError("migration \(version.digits) is not dirty; nothing to repair") }
                return []
            }
            try await session.withTransaction(begin: driver.dialect.beginTransaction) { s in
                for d in dirty {
                    switch resolution {
                    case .applied: try await s.execute(store.markApplied(d.version, durationMs: d.durationMs))
                    case .pending: try await s.execute(store.delete(d.version))
                    }
                    try await s.execute(store.insert(event(d.version, .repair, error: "dirty at statement \(d.failedStatement ?? 0); resolved as \(resolution.rawValue)")))
                }
            }
            return dirty.map(\.version)
        }
    }

    /// Accepts an intentional edit of an applied migration: its recorded checksum becomes the file's.
    public func acceptChecksum(_ version: MigrationVersion, migrations: [Migration], lockWait: Duration) async throws {
        guard let m = migrations.first(where: { $0.version == version }) else {
            throw HistoryOperationError("no migration with version \(version.digits) in the directory")
        }
        try await withLockedSession(lockWait: lockWait) { locked in
            let session = locked.session, store = locked.store
            guard let row = try await store.applied(on: session).first(where: { $0.version == version }) else {
                throw HistoryOperationError("migration \(version.digits) is not applied; there is no checksum to accept")
            }
            guard row.checksum != m.checksum else { return }
            try await session.withTransaction(begin: driver.dialect.beginTransaction) { s in
                try await s.execute(store.setChecksum(row.version, checksum: m.checksum))
                try await s.execute(store.insert(event(row.version, .acceptChecksum, error: "checksum \(row.checksum.prefix(12))… replaced by \(m.checksum.prefix(12))…")))
            }
        }
    }
}
