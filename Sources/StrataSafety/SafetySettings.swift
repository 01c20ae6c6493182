import Foundation
import StrataCore

/// The flags of `strata up` that steer the safety stages.
public struct SafetyFlags: Sendable, Hashable {
    /// `--safe`: all stages on, whatever the environment.
    public var safe = false
    public var skipBackup = false
    public var skipTest = false
    /// `--force`: apply even when the rehearsal failed.
    public var force = false
    public var keepDays: Int?
    public var keep: Int?
    public init() {}
}

/// What a safe run does, resolved from the environment, `strata.toml` and the flags.
///
/// Safety is on for an environment named `production` and for any environment with `safety = true`;
/// `--safe` turns it on anywhere; `safety = false` turns it off (flags still win).
///
/// ```swift
/// let settings = try SafetySettings.resolve(config: config, flags: SafetyFlags())
/// if settings.enabled { print("backups go to", settings.backupDirectory) }
/// ```
public struct SafetySettings: Sendable {
    public var enabled: Bool
    public var backup: Bool
    public var rehearsal: Bool
    public var force: Bool
    public var environmentName: String
    public var backupDirectory: String
    public var reportDirectory: String
    public var keepDays: Int
    public var keep: Int?
    public var requiredTables: [String]
    public var validateQueries: [String]

    public static func resolve(config: StrataConfig, flags: SafetyFlags) throws(ConfigError) -> SafetySettings {
        let env = config.environment ?? "default"
        var enabled = config.environment == "production"
        let source = config.configFile ?? "strata.toml"
        switch config.setting("safety") {
        case .bool(let on)?: enabled = on
        case nil: break
        case let other?: throw ConfigError("\(source): `safety` must be true or false, not \(other.typeName)")
        }
        if flags.safe { enabled = true }
        func path(_ key: String, default fallback: String) throws(ConfigError) -> String {
            let raw: String
            switch config.setting(key) {
            case .string(let s)?: raw = s
            case nil: raw = fallback
            case let other?: throw ConfigError("\(source): `\(key)` must be a path string, not \(other.typeName)")
            }
            return raw.hasPrefix("/") ? raw : URL(fileURLWithPath: config.baseDirectory).appendingPathComponent(raw).standardizedFileURL.path
        }
        func strings(_ key: String) throws(ConfigError) -> [String] {
            switch config.setting(key) {
            case nil: return []
            case .array(let items)?:
                var out: [String] = []
                for item in items {
                    guard case .string(let s) = item else { throw ConfigError("\(source): `\(key)` must be an array of strings") }
                    out.append(s)
                }
                return out
            case let other?: throw ConfigError("\(source): `\(key)` must be an array of strings, not \(other.typeName)")
            }
        }
        let backupDir: String
        if let fromEnv = config.variables["BACKUP_DIR"], !fromEnv.isEmpty {
            backupDir = fromEnv.hasPrefix("/") ? fromEnv : URL(fileURLWithPath: config.baseDirectory).appendingPathComponent(fromEnv).standardizedFileURL.path
        } else {
            backupDir = try path("backup_dir", default: "backups/\(env)")
        }
        if let d = flags.keepDays, d < 0 { throw ConfigError("--keep-days \(d): must be 0 or more") }
        if let k = flags.keep, k < 1 { throw ConfigError("--keep \(k): must be 1 or more") }
        return SafetySettings(
            enabled: enabled,
            backup: enabled && !flags.skipBackup,
            rehearsal: enabled && !flags.skipTest,
            force: flags.force,
            environmentName: env,
            backupDirectory: backupDir,
            reportDirectory: try path("report_dir", default: "reports/\(env)"),
            keepDays: flags.keepDays ?? 30,
            keep: flags.keep,
            requiredTables: try strings("required_tables"),
            validateQueries: try strings("validate_queries"))
    }
}
