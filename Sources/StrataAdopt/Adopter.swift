import Foundation
import StrataCore

/// Takes over another tool's history: reads its tracking table and records the matching Strata history
/// (checksums of the current files), so `strata up` applies only what is really pending.
///
/// ```swift
/// let adopter = Adopter(migrator: migrator)
/// let preview = try await adopter.plan(from: nil, migrations: migrations)          // reads only
/// let done = try await adopter.adopt(from: .goose, migrations: migrations, lockWait: .seconds(60))
/// print(done.toRecord.map(\.migration.version.digits), done.pending.count)
/// ```
public struct Adopter: Sendable {
    public let migrator: Migrator
    public init(migrator: Migrator) { self.migrator = migrator }

    /// Every known tool's tracking table present in the database (reads only).
    public func detect() async throws -> [ForeignTable] {
        let dialect = migrator.driver.dialect
        return try await migrator.driver.withSession(readOnly: true) { session in
            try await ForeignHistoryReader.detect(on: session, dialect: dialect)
        }
    }

    /// What ``adopt(from:migrations:lockWait:)`` would record, without the lock and without writing anything.
    /// - Throws: ``AdoptError`` when adopt would refuse.
    public func plan(from tool: ForeignTool?, migrations: [Migration]) async throws -> AdoptionPlan {
        try await migrator.driver.withSession(readOnly: true) { session in
            let bound = try await migrator.bound(to: session)
            return try await Self.plan(from: tool, migrations: migrations, store: bound.store, session: session, dialect: migrator.driver.dialect)
        }
    }

    /// Records the old tool's applied migrations as applied, in one transaction under the migration lock, with an
    /// `adopted` event per version. Returns the plan it carried out (nothing is written when ``AdoptionPlan/alreadyRecorded``).
    /// - Throws: ``AdoptError`` (nothing recorded), ``LockTimeoutError``, database errors.
    public func adopt(from tool: ForeignTool?, migrations: [Migration], lockWait: Duration) async throws -> AdoptionPlan {
        // Refusals first, on a read-only session: a refused adopt leaves no trace (not even empty history tables).
        let preview = try await plan(from: tool, migrations: migrations)
        if preview.alreadyRecorded || preview.toRecord.isEmpty { return preview }
        let context = migrator.context
        let dialect = migrator.driver.dialect
        return try await migrator.withLockedSession(lockWait: lockWait) { locked in
            let session = locked.session, store = locked.store
            let plan = try await Self.plan(from: preview.source.tool, migrations: migrations, store: store, session: session, dialect: dialect)
            if plan.alreadyRecorded || plan.toRecord.isEmpty { return plan }
            try await session.withTransaction(begin: dialect.beginTransaction) { s in
                for entry in plan.toRecord {
                    let m = entry.migration
                    let now = Date()
                    try await s.execute(store.insert(AppliedMigration(version: m.version, name: m.name, checksum: m.checksum, appliedAt: now, durationMs: 0,
                                                                      appliedBy: context.user, host: context.host, strataVersion: context.strataVersion)))
                    let note = "adopted from \(plan.source.tool) (\(plan.source.table)" + (entry.key.isEmpty ? ")" : " \(plan.source.tool.keyNoun) \(entry.key))")
                    try await s.execute(store.insert(MigrationEvent(runID: context.runID, version: m.version, direction: .adopted, outcome: .ok,
                                                                    startedAt: now, finishedAt: now, error: note, environment: context.environment,
                                                                    host: context.host, user: context.user)))
                }
            }
            return plan
        }
    }

    static func plan(from tool: ForeignTool?, migrations: [Migration], store: HistoryStore, session: any DatabaseSession,
                     dialect: any SQLDialect) async throws -> AdoptionPlan {
        let tables = try await ForeignHistoryReader.detect(on: session, dialect: dialect)
        let source = try choose(tool, among: tables)
        let history = try await ForeignHistoryReader.read(source, on: session, dialect: dialect)
        let applied = try await store.applied(on: session)
        return try AdoptionPlanner.plan(history: history, migrations: migrations, strataApplied: applied)
    }

    static func choose(_ tool: ForeignTool?, among tables: [ForeignTable]) throws(AdoptError) -> ForeignTable {
        let known = ForeignTool.allCases.map(\.rawValue).joined(separator: ", ")
        if let tool {
            if let t = tables.first(where: { $0.tool == tool }) { return t }
            var s = "no \(tool) tracking table (\(tool.tableName)) in the database"
            if tool == .golangMigrate || tool == .dbmate, let other = tables.first(where: { $0.table.name == "schema_migrations" }) {
                s += "; \(other.table) has \(other.tool == .dbmate ? "no `dirty` column, so it is dbmate's" : "a `dirty` column, so it is golang-migrate's")"
            } else if !tables.isEmpty {
                s += "; found: " + tables.map(\.description).joined(separator: ", ")
            }
            throw AdoptError(.noForeignHistory, s + ". Nothing was recorded.")
        }
        switch tables.count {
        case 1: return tables[0]
        case 0: throw AdoptError(.noForeignHistory, "no other tool's tracking table in the database (looked for \(known)); nothing to adopt. Nothing was recorded.")
        default:
            throw AdoptError(.ambiguous, "the database has tracking tables of several tools:\n"
                             + tables.map { "  \($0.tool): \($0.table)" }.joined(separator: "\n")
                             + "\nChoose one with --from " + tables.map(\.tool.rawValue).joined(separator: "|") + ". Nothing was recorded.")
        }
    }
}
