import Foundation

/// Settings given on the command line; nil means "not given".
public struct ConfigOverrides: Sendable {
    public var database: String?
    public var directory: String?
    public var environment: String?
    public var envFiles: [String] = []
    public var configFile: String?
    public var lockWait: Duration?
    public var statementTimeout: Duration?
    public var lockTimeout: Duration?
    public var runTimeout: Duration?
    public var allowOutOfOrder: Bool?
    /// `--format`: the migrations folder's layout (`auto` or nil: detect).
    public var format: String?
    public init() {}
}

/// Builds a ``StrataConfig`` from flags, variables, env files and `strata.toml`.
///
/// ```swift
/// var flags = ConfigOverrides()
/// flags.environment = "production"
/// let config = try ConfigResolver.resolve(flags, variables: ProcessInfo.processInfo.environment,
///                                         workingDirectory: FileManager.default.currentDirectoryPath)
/// ```
public enum ConfigResolver {
    static let settingKeys = ["dir", "database", "schema", "table", "events_table", "lock_wait", "statement_timeout",
                              "lock_timeout", "timeout", "allow_out_of_order", "format"]

    public static func resolve(_ flags: ConfigOverrides, variables processVariables: [String: String],
                               workingDirectory cwd: String) throws(ConfigError) -> StrataConfig {
        var warnings: [String] = []
        var variables = processVariables

        // Env files from flags: values already in the process environment win, as dotenv tools do.
        for path in flags.envFiles {
            for (k, v) in try DotEnv.load(path: absolute(path, base: cwd)) where variables[k] == nil { variables[k] = v }
        }

        // The configuration file.
        var file: ConfigFile?
        if let explicit = flags.configFile ?? variables["STRATA_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            let path = absolute(explicit, base: cwd)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigError("--config \(explicit): no such file")
            }
            file = try ConfigFile.load(path: path)
        } else {
            let path = absolute("strata.toml", base: cwd)
            if FileManager.default.fileExists(atPath: path) { file = try ConfigFile.load(path: path) }
        }
        let fileDir = file.map { URL(fileURLWithPath: $0.path).deletingLastPathComponent().path } ?? cwd
        let root = file?.root ?? [:]
        for key in root.keys where !settingKeys.contains(key) && key != "environments" && !extensionKeys.contains(key) {
            warnings.append("\(file?.path ?? "strata.toml"): unknown setting `\(key)` (ignored)")
        }

        // The environment.
        let envName = flags.environment ?? variables["STRATA_ENV"].flatMap { $0.isEmpty ? nil : $0 }
        var envTable: [String: ConfigValue] = [:]
        if let envName {
            var known: [String] = []
            if case .table(let envs)? = root["environments"] { known = envs.keys.sorted() }
            guard case .table(let envs)? = root["environments"], case .table(let t)? = envs[envName] else {
                let where_ = file == nil ? "no strata.toml was found" : "\(file?.path ?? "strata.toml") defines \(known.isEmpty ? "no environments" : known.joined(separator: ", "))"
                throw ConfigError("unknown environment `\(envName)` (from \(flags.environment != nil ? "--env" : "STRATA_ENV")): \(where_); add an [environments.\(envName)] table")
            }
            envTable = t
            for key in t.keys where !settingKeys.contains(key) && key != "env_file" && !extensionKeys.contains(key) {
                warnings.append("\(file?.path ?? "strata.toml"): [environments.\(envName)] unknown setting `\(key)` (ignored)")
            }
            let envFiles: [String]
            switch t["env_file"] {
            case .string(let s)?: envFiles = [s]
            case .array(let a)?: envFiles = a.compactMap { if case .string(let s) = $0 { s } else { nil } }
            case nil: envFiles = []
            case let other?: throw ConfigError("\(file?.path ?? "strata.toml"): [environments.\(envName)] env_file must be a string or array of strings, not \(other.typeName)")
            }
            for path in envFiles {
                for (k, v) in try DotEnv.load(path: absolute(path, base: fileDir), origin: "\(file?.path ?? "strata.toml") [environments.\(envName)] env_file") where variables[k] == nil { variables[k] = v }
            }
        }
        let section = envName.map { "[environments.\($0)]" } ?? "top level"
        let configPath = file?.path ?? "strata.toml"

        // A setting from the env table, then the top level, as a string with ${VAR} expanded.
        func fileString(_ key: String) throws(ConfigError) -> (String, String)? {
            for (table, label) in [(envTable, section), (root, "top level")] {
                guard let value = table[key] else { continue }
                switch value {
                case .string(let s): return (try expand(s, variables: variables, place: "\(configPath) \(label) `\(key)`"), "\(configPath) \(label)")
                case .int(let i): return (String(i), "\(configPath) \(label)")
                case .double(let d): return (String(d), "\(configPath) \(label)")
                case .bool(let b): return (String(b), "\(configPath) \(label)")
                default: throw ConfigError("\(configPath) \(label): `\(key)` must be a string, not \(value.typeName)")
                }
            }
            return nil
        }
        func duration(_ flag: Duration?, env: String, key: String) throws(ConfigError) -> Duration? {
            if let flag { return flag }
            if let v = variables[env], !v.isEmpty {
                guard let d = DurationText.parse(v) else { throw ConfigError("\(env)=\(v) is not a duration (use 30s, 5m, 1h)") }
                return d
            }
            if let (v, origin) = try fileString(key) {
                guard let d = DurationText.parse(v) else { throw ConfigError("\(origin): `\(key)` = \(v) is not a duration (use 30s, 5m, 1h)") }
                return d
            }
            return nil
        }

        if let mode = variables["PGSSLMODE"], !mode.isEmpty, PostgresTarget.SSLMode(rawValue: mode.lowercased()) == nil {
            throw ConfigError("PGSSLMODE=\(mode) is not one of \(PostgresTarget.SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }

        // The database: flag, DATABASE_URL, PG*, DATABASE_*/DB_*, then strata.toml, then the embedded default.
        var target: DatabaseTarget
        var origin: String
        if let flag = flags.database {
            target = try DatabaseTarget.parse(flag, origin: "--database", environment: variables)
            origin = "--database"
        } else if let url = variables["DATABASE_URL"], !url.isEmpty {
            target = try DatabaseTarget.parse(url, origin: "DATABASE_URL", environment: variables)
            origin = "DATABASE_URL"
        } else if let t = try DatabaseTarget.fromLibpq(variables) {
            target = t
            origin = "PG* variables"
        } else if let t = try DatabaseTarget.fromParts(prefix: "DATABASE", variables) {
            target = t
            origin = "DATABASE_* variables"
        } else if let t = try DatabaseTarget.fromParts(prefix: "DB", variables) {
            target = t
            origin = "DB_* variables"
        } else if let (url, where_) = try fileString("database") {
            target = try DatabaseTarget.parse(url, origin: "\(where_) `database`", environment: variables)
            if case .sqlite(let path) = target, path != ":memory:" { target = .sqlite(path: absolute(path, base: fileDir)) }
            origin = where_
        } else {
            target = .sqlite(path: absolute("strata.sqlite", base: cwd))
            origin = "default"
        }
        if case .sqlite(let path) = target, path != ":memory:", flags.database != nil || origin.hasSuffix("URL") {
            target = .sqlite(path: absolute(path, base: cwd))
        }

        var dir: String
        if let d = flags.directory { dir = absolute(d, base: cwd) }
        else if let d = variables["STRATA_DIR"], !d.isEmpty { dir = absolute(d, base: cwd) }
        else if let (d, _) = try fileString("dir") { dir = absolute(d, base: fileDir) }
        else { dir = absolute("migrations", base: file == nil ? cwd : fileDir) }

        var redactor = Redactor(secrets: target.secrets)
        for key in ["PGPASSWORD", "DATABASE_PASSWORD", "DB_PASSWORD"] { redactor.add(variables[key]) }

        var config = StrataConfig(environment: envName, target: target, targetOrigin: origin, migrationsDirectory: dir,
                                  redactor: redactor, variables: variables)
        config.configFile = file?.path
        config.file = file
        if let s = variables["STRATA_SCHEMA"], !s.isEmpty { config.historySchema = s } else if let (s, _) = try fileString("schema") { config.historySchema = s }
        if let s = variables["STRATA_TABLE"], !s.isEmpty { config.historyTable = s } else if let (s, _) = try fileString("table") { config.historyTable = s }
        if let (s, _) = try fileString("events_table") { config.eventsTable = s }
        if config.historyTable.isEmpty || config.eventsTable.isEmpty { throw ConfigError("\(configPath): table names must not be empty") }
        config.lockWait = try duration(flags.lockWait, env: "STRATA_LOCK_WAIT", key: "lock_wait") ?? .seconds(60)
        config.statementTimeout = try duration(flags.statementTimeout, env: "STRATA_STATEMENT_TIMEOUT", key: "statement_timeout")
        config.lockTimeout = try duration(flags.lockTimeout, env: "STRATA_LOCK_TIMEOUT", key: "lock_timeout")
        for (name, value) in [("statement timeout", config.statementTimeout), ("lock timeout", config.lockTimeout)] {
            if let value, value > DurationText.maximumServerTimeout {
                throw ConfigError("the \(name) \(DurationText.format(value)) is longer than the database allows (24 days); use a shorter one")
            }
        }
        config.runTimeout = try duration(flags.runTimeout, env: "STRATA_TIMEOUT", key: "timeout")
        if let flag = flags.allowOutOfOrder { config.allowOutOfOrder = flag }
        else if let (s, where_) = try fileString("allow_out_of_order") {
            guard let b = Bool(s) else { throw ConfigError("\(where_): `allow_out_of_order` must be true or false") }
            config.allowOutOfOrder = b
        }
        if let f = flags.format { config.migrationFormat = try MigrationFormat.option(f, origin: "--format") }
        else if let f = variables["STRATA_FORMAT"], !f.isEmpty { config.migrationFormat = try MigrationFormat.option(f, origin: "STRATA_FORMAT=") }
        else if let (f, where_) = try fileString("format") { config.migrationFormat = try MigrationFormat.option(f, origin: "\(where_): `format` =") }
        config.warnings = warnings
        return config
    }

    /// Keys that later features read from `strata.toml`; not warned about.
    public static let extensionKeys: Set<String> = ["safety", "backup_dir", "report_dir", "required_tables", "validate_queries", "notify", "state_dir", "log_dir", "project", "render"]

    /// Expands `${VAR}` and `${VAR:-default}`; an unset variable without a default is an error.
    public static func expand(_ text: String, variables: [String: String], place: String) throws(ConfigError) -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw ConfigError("\(place): unterminated ${ in value")
            }
            let expr = rest[start.upperBound..<end]
            let parts = expr.components(separatedBy: ":-")
            let name = parts[0]
            if let v = variables[name], !v.isEmpty { out += v }
            else if parts.count > 1 { out += parts.dropFirst().joined(separator: ":-") }
            else { throw ConfigError("\(place): variable \(name) is not set") }
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }

    static func absolute(_ path: String, base: String) -> String {
        let expanded = path.hasPrefix("~/") ? FileManager.default.homeDirectoryForCurrentUser.path + String(path.dropFirst(1)) : path
        if expanded.hasPrefix("/") { return expanded }
        return URL(fileURLWithPath: base).appendingPathComponent(expanded).standardizedFileURL.path
    }
}
