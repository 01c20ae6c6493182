import Foundation

/// Where one migration stands: comparing the directory with the history table.
public struct MigrationStatus: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable, Hashable {
        /// Applied, and the file still matches.
        case applied
        /// In the directory, not applied.
        case pending
        /// Applied, but its file is gone.
        case missing
        /// Applied, but the file's up section changed since.
        case changed
        /// A `no-transaction` migration failed part-way.
        case dirty
        /// In the directory, never to run: a baseline stands for it (the database started from a baseline at or
        /// above this version, or — for a baseline itself — the database already had migrations when it appeared).
        case covered
        /// Applied, and its file is gone because `strata squash` folded it into a baseline in the directory.
        case archived
    }
    public var version: MigrationVersion
    public var name: String
    public var state: State
    public var appliedAt: Date?
    public var checksum: String?
    public var appliedChecksum: String?
    public var failedStatement: Int?
    /// The section that failed, for dirty migrations.
    public var failedDirection: MigrationDirection?
    public var file: String?

    /// The status of every migration known to the directory or the history, ordered by version.
    ///
    /// Beyond comparing files with rows: a repeatable migration whose checksum changed is pending again; a baseline
    /// that is applied is applied whatever its checksum (it stands for what the history holds); migrations a baseline
    /// covers are ``State/covered``; applied rows a baseline in the directory stands for are ``State/archived``.
    public static func compute(migrations: [Migration], applied: [AppliedMigration]) -> [MigrationStatus] {
        // A merge of the two lists in version order (both usually arrive sorted): over 10,000 migrations this is
        // several times cheaper than hashing every version into dictionaries and sorting their union.
        let files = migrations.inVersionOrder()
        let rows = applied.inVersionOrder()
        let baselines = files.filter(\.isBaseline).map(\.version)
        // What baselines cover: through the newest applied one; on a fresh database, through the one `up` would run.
        let fresh = !rows.contains { !$0.version.isRepeatable }
        let appliedBaselines = baselines.isEmpty ? [] : baselines.filter { b in rows.contains { $0.version == b } }
        let coveredThrough = fresh ? baselines.max() : appliedBaselines.max()
        let archivedThrough = baselines.max()
        var result: [MigrationStatus] = []
        result.reserveCapacity(max(files.count, rows.count))
        var i = 0, j = 0
        while i < files.count || j < rows.count {
            let version: MigrationVersion, m: Migration?, row: AppliedMigration?
            if j == rows.count || (i < files.count && files[i].version < rows[j].version) {
                (version, m, row) = (files[i].version, files[i], nil)
                i += 1
            } else if i == files.count || rows[j].version < files[i].version {
                (version, m, row) = (rows[j].version, nil, rows[j])
                j += 1
            } else {
                (version, m, row) = (files[i].version, files[i], rows[j])
                i += 1
                j += 1
            }
            let state: State
            switch (m, row) {
            case (_, let r?) where r.state == .dirty: state = .dirty
            case (let m?, _?) where m.isPureBaseline: state = .applied
            case (let m?, let r?):
                state = m.checksum == r.checksum || m.baselineChecksum == r.checksum ? .applied : (m.isRepeatable ? .pending : .changed)
            case (nil, _?): state = !version.isRepeatable && archivedThrough.map { version <= $0 } == true ? .archived : .missing
            case (let m?, nil):
                if m.isBaseline && fresh && version == coveredThrough {
                    state = .pending
                } else if m.isPureBaseline {
                    state = .covered
                } else if !m.isRepeatable, let through = coveredThrough, version <= through {
                    state = .covered
                } else {
                    state = .pending
                }
            case (nil, nil): continue
            }
            result.append(MigrationStatus(version: version, name: m?.name ?? row?.name ?? "", state: state, appliedAt: row?.appliedAt,
                                          checksum: m?.checksum, appliedChecksum: row?.checksum, failedStatement: row?.failedStatement,
                                          failedDirection: row?.failedDirection, file: m?.up.file))
        }
        return result
    }
}
