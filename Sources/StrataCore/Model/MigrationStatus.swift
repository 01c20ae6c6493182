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
    /// The checksums as held (see ``Checksum/Value``): a status of 10,000 migrations built two hex strings each.
    private var checksumValue: Checksum.Value?
    private var appliedChecksumValue: Checksum.Value?
    public var failedStatement: Int?
    /// The section that failed, for dirty migrations.
    public var failedDirection: MigrationDirection?
    public var file: String?

    /// The file's checksum (nil when the file is gone).
    public var checksum: String? {
        get { checksumValue?.text }
        set { checksumValue = newValue.map(Checksum.Value.init) }
    }
    /// The checksum the history recorded (nil when not applied).
    public var appliedChecksum: String? {
        get { appliedChecksumValue?.text }
        set { appliedChecksumValue = newValue.map(Checksum.Value.init) }
    }

    init(version: MigrationVersion, name: String, state: State, appliedAt: Date?, checksum: Checksum.Value?, appliedChecksum: Checksum.Value?,
         failedStatement: Int?, failedDirection: MigrationDirection?, file: String?) {
        self.version = version
        self.name = name
        self.state = state
        self.appliedAt = appliedAt
        self.checksumValue = checksum
        self.appliedChecksumValue = appliedChecksum
        self.failedStatement = failedStatement
        self.failedDirection = failedDirection
        self.file = file
    }

    private enum CodingKeys: String, CodingKey {
        case version, name, state, appliedAt, checksum, appliedChecksum, failedStatement, failedDirection, file
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(version: try c.decode(MigrationVersion.self, forKey: .version), name: try c.decode(String.self, forKey: .name),
                  state: try c.decode(State.self, forKey: .state), appliedAt: try c.decodeIfPresent(Date.self, forKey: .appliedAt),
                  checksum: try c.decodeIfPresent(String.self, forKey: .checksum).map(Checksum.Value.init),
                  appliedChecksum: try c.decodeIfPresent(String.self, forKey: .appliedChecksum).map(Checksum.Value.init),
                  failedStatement: try c.decodeIfPresent(Int.self, forKey: .failedStatement),
                  failedDirection: try c.decodeIfPresent(MigrationDirection.self, forKey: .failedDirection),
                  file: try c.decodeIfPresent(String.self, forKey: .file))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(name, forKey: .name)
        try c.encode(state, forKey: .state)
        try c.encodeIfPresent(appliedAt, forKey: .appliedAt)
        try c.encodeIfPresent(checksum, forKey: .checksum)
        try c.encodeIfPresent(appliedChecksum, forKey: .appliedChecksum)
        try c.encodeIfPresent(failedStatement, forKey: .failedStatement)
        try c.encodeIfPresent(failedDirection, forKey: .failedDirection)
        try c.encodeIfPresent(file, forKey: .file)
    }

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
                state = m.checksumValue == r.checksumValue || (m.baselineUp != nil && m.baselineChecksum == r.checksum) ? .applied : (m.isRepeatable ? .pending : .changed)
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
                                          checksum: m?.checksumValue, appliedChecksum: row?.checksumValue, failedStatement: row?.failedStatement,
                                          failedDirection: row?.failedDirection, file: m?.up.file))
        }
        return result
    }
}
