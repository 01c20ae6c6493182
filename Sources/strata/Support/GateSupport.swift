import Foundation
import StrataKit

/// Settings and JSON shapes shared by `strata check` and `strata preflight`.
enum GateSupport {
    /// `required_tables` from strata.toml (the chosen environment's table wins): an array of strings.
    static func requiredTables(_ config: StrataConfig) throws -> [String] {
        let source = config.configFile ?? "strata.toml"
        switch config.setting("required_tables") {
        case nil: return []
        case .array(let items)?:
            return try items.map { item in
                guard case .string(let s) = item, !s.isEmpty else {
                    throw ConfigError("\(source): `required_tables` must be an array of table names (strings)")
                }
                return s
            }
        case let other?: throw ConfigError("\(source): `required_tables` must be an array of strings, not \(other.typeName)")
        }
    }

    /// `strata up` with the options this command was given (`--env`, `--config`, `-d` without its password, `--dir`).
    static func fixCommand(_ ctx: CommandContext) -> String {
        SchemaCheck.fixCommand(environment: ctx.config.environment, configFile: ctx.global.config,
                               database: ctx.global.database == nil ? nil : ctx.config.target.display, directory: ctx.global.dir)
    }

    struct Version: Encodable {
        var version: String
        var name: String
        init(_ s: MigrationStatus) {
            version = s.version.digits
            name = s.name
        }
    }
}

/// `strata check --json`; every key is always present (null when it has no value).
struct CheckJSON: Encodable {
    struct Dirty: Encodable {
        var version: String
        var name: String
        var failedStatement: Int?
        /// A run holds the lock: the migration is being applied right now.
        var inProgress: Bool
        enum CodingKeys: String, CodingKey { case version, name, failedStatement, inProgress }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(version, forKey: .version)
            try c.encode(name, forKey: .name)
            try c.encode(failedStatement, forKey: .failedStatement)
            try c.encode(inProgress, forKey: .inProgress)
        }
    }
    var result: SchemaCheckResult
    var environment: String?

    enum CodingKeys: String, CodingKey {
        case ready, verdict, database, environment, currentVersion, headVersion, historyTableExists, pending, dirty, changed, ahead
        case requiredTables, missingTables, lockHolder, fixCommand, message, attempts, waitedMs, checkedAt
    }

    func encode(to encoder: any Encoder) throws {
        let i = result.inspection
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(result.ready, forKey: .ready)
        try c.encode(result.verdict.rawValue, forKey: .verdict)
        try c.encode(i.database, forKey: .database)
        try c.encode(environment, forKey: .environment)
        try c.encode(i.currentVersion?.digits, forKey: .currentVersion)
        try c.encode(i.headVersion?.digits, forKey: .headVersion)
        try c.encode(i.historyTableExists, forKey: .historyTableExists)
        try c.encode(i.pending.map(GateSupport.Version.init), forKey: .pending)
        try c.encode(i.dirty.map { Dirty(version: $0.version.digits, name: $0.name, failedStatement: $0.failedStatement, inProgress: i.lockHolder != nil) },
                     forKey: .dirty)
        try c.encode(i.changed.map(GateSupport.Version.init), forKey: .changed)
        try c.encode(i.missingFiles.map(GateSupport.Version.init), forKey: .ahead)
        try c.encode(i.requiredTables, forKey: .requiredTables)
        try c.encode(i.missingTables, forKey: .missingTables)
        try c.encode(i.lockHolder?.description, forKey: .lockHolder)
        try c.encode(result.fixCommand, forKey: .fixCommand)
        try c.encode(result.message, forKey: .message)
        try c.encode(result.attempts, forKey: .attempts)
        try c.encode(DurationText.milliseconds(result.waited), forKey: .waitedMs)
        try c.encode(i.checkedAt, forKey: .checkedAt)
    }
}

/// `strata preflight --json`; every key is always present (null when unknown, e.g. when unreachable).
struct PreflightJSON: Encodable {
    struct Dirty: Encodable {
        var version: String
        var name: String
        var failedStatement: Int?
        var direction: String
        var advice: String
        enum CodingKeys: String, CodingKey { case version, name, failedStatement, direction, advice }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(version, forKey: .version)
            try c.encode(name, forKey: .name)
            try c.encode(failedStatement, forKey: .failedStatement)
            try c.encode(direction, forKey: .direction)
            try c.encode(advice, forKey: .advice)
        }
    }
    var report: PreflightReport
    var database: String
    var environment: String?
    var directory: String

    enum CodingKeys: String, CodingKey {
        case ok, reachable, database, environment, directory, migrations, latencyMs, serverVersion, historyTableExists, appliedCount, latestVersion
        case pendingCount, pending, dirty, changed, missingFiles, lockHolder, checks
    }

    func encode(to encoder: any Encoder) throws {
        let i = report.inspection
        let filesRead = report.migrationCount != nil
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(report.ok, forKey: .ok)
        try c.encode(report.reachable, forKey: .reachable)
        try c.encode(database, forKey: .database)
        try c.encode(environment, forKey: .environment)
        try c.encode(directory, forKey: .directory)
        try c.encode(report.migrationCount, forKey: .migrations)
        try c.encode(i.map { DurationText.milliseconds($0.latency) }, forKey: .latencyMs)
        try c.encode(i?.serverVersion, forKey: .serverVersion)
        try c.encode(i?.historyTableExists, forKey: .historyTableExists)
        try c.encode(i?.applied.filter { $0.state == .applied }.count, forKey: .appliedCount)
        try c.encode(i?.currentVersion?.digits, forKey: .latestVersion)
        try c.encode(filesRead ? i?.pending.count : nil, forKey: .pendingCount)
        try c.encode(filesRead ? i?.pending.map(GateSupport.Version.init) : nil, forKey: .pending)
        try c.encode(i?.applied.filter { $0.state == .dirty }.map { d in
            Dirty(version: d.version.digits, name: d.name, failedStatement: d.failedStatement, direction: (d.failedDirection ?? .up).rawValue,
                  advice: RepairAdvice.text(version: d.version, direction: d.failedDirection ?? .up))
        }, forKey: .dirty)
        try c.encode(filesRead ? i?.changed.map(GateSupport.Version.init) : nil, forKey: .changed)
        try c.encode(filesRead ? i?.missingFiles.map(GateSupport.Version.init) : nil, forKey: .missingFiles)
        try c.encode(i?.lockHolder?.description, forKey: .lockHolder)
        try c.encode(report.items, forKey: .checks)
    }
}
