import Foundation

/// What `strata preflight` found: may a migration run proceed? A checklist for init containers and deploy gates.
///
/// Fails (``ok`` false) on what would make `strata up` refuse: unreadable migration files or a `strata.sum`
/// mismatch, dirty rows, applied files that changed or are missing, pending migrations older than the latest
/// applied one (unless allowed). A missing history table is fine (first run); a held lock is only a warning
/// (`strata up` waits for it).
///
/// ```swift
/// let report = try await Preflight.run(driver: driver, migrations: .success(try await source.migrations()))
/// for item in report.items { print(item.status, item.name, item.detail) }
/// ```
public struct PreflightReport: Sendable {
    public enum Status: String, Sendable, Codable { case ok, warn, fail, skip }
    public struct Item: Sendable, Codable, Hashable {
        /// In order: `files`, `connectivity`, `server`, `history_table`, `applied`, `pending`, `dirty`, `checksums`, `order`, `lock`.
        public var name: String
        public var status: Status
        public var detail: String
        public init(name: String, status: Status, detail: String) {
            self.name = name
            self.status = status
            self.detail = detail
        }
    }
    public var items: [Item] = []
    /// Nil when the database could not be reached.
    public var inspection: SchemaInspection?
    /// The number of migration files, nil when they could not be read.
    public var migrationCount: Int?
    /// Why the database could not be reached.
    public var connectionError: (any Error)?

    public var reachable: Bool { connectionError == nil }
    /// Migrating may proceed.
    public var ok: Bool { reachable && !items.contains { $0.status == .fail } }
    public func item(_ name: String) -> Item? { items.first { $0.name == name } }
}

public enum Preflight {
    /// Runs every check on one read-only session. Connection failures are reported in the result, not thrown.
    /// - Parameter migrations: the directory's migrations, or why they could not be read (a ``SourceError``).
    public static func run(driver: any DatabaseDriver, migrations: Result<[Migration], any Error>,
                           migrationsTable: QualifiedName = QualifiedName(schema: nil, name: "strata_migrations"),
                           eventsTable: QualifiedName = QualifiedName(schema: nil, name: "strata_events"),
                           policy: PlanPolicy = PlanPolicy()) async throws -> PreflightReport {
        var report = PreflightReport()
        let files: [Migration]?
        switch migrations {
        case .success(let m):
            files = m
            report.migrationCount = m.count
            report.items.append(.init(name: "files", status: .ok, detail: "\(m.count) migration\(m.count == 1 ? "" : "s") parsed"))
        case .failure(let error):
            files = nil
            report.items.append(.init(name: "files", status: .fail, detail: "\(error)"))
        }
        let seen: SchemaInspection
        do {
            seen = try await SchemaInspection.read(driver: driver, migrations: files ?? [], migrationsTable: migrationsTable, eventsTable: eventsTable)
        } catch let error as ConnectionError {
            report.connectionError = error
            report.items.append(.init(name: "connectivity", status: .fail, detail: error.description))
            return report
        }
        report.inspection = seen
        report.items.append(.init(name: "connectivity", status: .ok, detail: "\(seen.database) answered in \(DurationText.milliseconds(seen.latency)) ms"))
        report.items.append(.init(name: "server", status: .ok, detail: seen.serverVersion))
        report.items.append(.init(name: "history_table", status: .ok, detail: seen.historyTableExists
                                  ? "\(seen.historyTable) exists"
                                  : "\(seen.historyTable) does not exist yet (fine on a first run: `strata up` creates it)"))
        let applied = seen.applied.filter { $0.state == .applied }
        report.items.append(.init(name: "applied", status: .ok, detail: applied.isEmpty
                                  ? "no migration applied yet"
                                  : "\(applied.count) applied, latest \(seen.currentVersion.map { v in "\(v.digits) \(applied.first { $0.version == v }?.name ?? "")" } ?? "?")"))
        let skipped = "the migration files could not be read"
        let pending = seen.pending
        report.items.append(files == nil ? .init(name: "pending", status: .skip, detail: skipped)
                            : .init(name: "pending", status: .ok, detail: pending.isEmpty
                                    ? "nothing pending"
                                    : "\(pending.count) pending: \(SchemaCheckResult.list(pending.map { "\($0.version.digits) \($0.name)" }))"))
        let dirty = seen.applied.filter { $0.state == .dirty }
        if dirty.isEmpty {
            report.items.append(.init(name: "dirty", status: .ok, detail: "no dirty migrations"))
        } else {
            let text = dirty.map { d in
                "\(d.version.digits) \(d.name) (statement \(d.failedStatement ?? 0) of its \((d.failedDirection ?? .up).rawValue) section failed): "
                    + "fix the database by hand, then run " + RepairAdvice.text(version: d.version, direction: d.failedDirection ?? .up)
            }
            report.items.append(.init(name: "dirty", status: .fail, detail: text.joined(separator: "\n")))
        }
        if files == nil {
            for name in ["checksums", "order"] { report.items.append(.init(name: name, status: .skip, detail: skipped)) }
        } else {
            var problems: [String] = []
            if !seen.changed.isEmpty { problems.append(PlanError.checksumMismatch(seen.changed).description) }
            if !seen.missingFiles.isEmpty { problems.append(PlanError.missingFiles(seen.missingFiles).description) }
            report.items.append(problems.isEmpty
                                ? .init(name: "checksums", status: .ok, detail: applied.isEmpty ? "no applied migration to compare"
                                        : "\(applied.count) applied file\(applied.count == 1 ? "" : "s") unchanged")
                                : .init(name: "checksums", status: .fail, detail: problems.joined(separator: "\n")))
            let older = seen.currentVersion.map { latest in pending.map(\.version).filter { $0 < latest } } ?? []
            if !older.isEmpty, let latest = seen.currentVersion, !policy.allowOutOfOrder {
                report.items.append(.init(name: "order", status: .fail, detail: PlanError.outOfOrder(pending: older, latestApplied: latest).description))
            } else {
                report.items.append(.init(name: "order", status: .ok, detail: older.isEmpty ? (pending.isEmpty ? "nothing pending" : "pending migrations are newer than the latest applied one")
                                          : "\(older.count) pending migration(s) older than the latest applied; allowed by allow_out_of_order"))
            }
        }
        report.items.append(seen.lockHolder.map {
            .init(name: "lock", status: .warn, detail: "held by \($0); `strata up` will wait for it (--lock-wait)")
        } ?? .init(name: "lock", status: .ok, detail: "free"))
        return report
    }
}
