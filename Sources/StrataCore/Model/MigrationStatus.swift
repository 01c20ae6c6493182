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
    public static func compute(migrations: [Migration], applied: [AppliedMigration]) -> [MigrationStatus] {
        let files = Dictionary(migrations.map { ($0.version, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = Dictionary(applied.map { ($0.version, $0) }, uniquingKeysWith: { a, _ in a })
        var result: [MigrationStatus] = []
        for version in Set(files.keys).union(rows.keys).sorted() {
            let m = files[version]
            let row = rows[version]
            let state: State
            switch (m, row) {
            case (_, let r?) where r.state == .dirty: state = .dirty
            case (let m?, let r?): state = m.checksum == r.checksum ? .applied : .changed
            case (nil, _?): state = .missing
            default: state = .pending
            }
            result.append(MigrationStatus(version: version, name: m?.name ?? row?.name ?? "", state: state, appliedAt: row?.appliedAt,
                                          checksum: m?.checksum, appliedChecksum: row?.checksum, failedStatement: row?.failedStatement,
                                          failedDirection: row?.failedDirection, file: m?.up.file))
        }
        return result
    }
}
