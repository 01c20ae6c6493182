import Foundation

/// The settings a command runs with, after every source has been applied:
/// flags > environment variables (and `--env-file`) > `strata.toml` `[environments.NAME]` > `strata.toml` top level > defaults.
public struct StrataConfig: Sendable {
    /// The chosen environment (`--env` / `STRATA_ENV`), nil when none.
    public var environment: String?
    public var target: DatabaseTarget
    /// Where the database setting came from (`--database`, `DATABASE_URL`, `PG* variables`, `strata.toml`, `default`).
    public var targetOrigin: String
    public var migrationsDirectory: String
    public var historySchema: String?
    public var historyTable: String = "strata_migrations"
    public var eventsTable: String = "strata_events"
    public var lockWait: Duration = .seconds(60)
    public var statementTimeout: Duration?
    public var lockTimeout: Duration?
    public var runTimeout: Duration?
    public var allowOutOfOrder: Bool = false
    /// The migrations folder's layout (`--format`, `STRATA_FORMAT`, `format` in strata.toml); nil: detect it.
    public var migrationFormat: MigrationFormat?
    /// The configuration file read, if any.
    public var configFile: String?
    /// Secrets known from the configuration; everything printed goes through it.
    public var redactor: Redactor
    /// Warnings found while reading the configuration (unknown keys…).
    public var warnings: [String] = []
    /// The whole file's values, for features that read their own tables.
    public var file: ConfigFile?
    /// The variables seen (process environment plus env files).
    public var variables: [String: String]

    public var migrationsTableName: QualifiedName { QualifiedName(schema: historySchema, name: historyTable) }
    public var eventsTableName: QualifiedName { QualifiedName(schema: historySchema, name: eventsTable) }

    public init(environment: String? = nil, target: DatabaseTarget, targetOrigin: String, migrationsDirectory: String,
                redactor: Redactor = Redactor(), variables: [String: String] = [:]) {
        self.environment = environment
        self.target = target
        self.targetOrigin = targetOrigin
        self.migrationsDirectory = migrationsDirectory
        self.redactor = redactor
        self.variables = variables
    }
}

extension StrataConfig {
    /// A feature's own setting from `strata.toml`: the chosen environment's table wins over the top level.
    ///
    /// Used for the keys listed in ``ConfigResolver/extensionKeys`` (`safety`, `backup_dir`, `notify`…).
    ///
    /// ```swift
    /// if case .bool(let on)? = config.setting("safety") { print("safety:", on) }
    /// ```
    public func setting(_ key: String) -> ConfigValue? {
        guard let root = file?.root else { return nil }
        if let env = environment, case .table(let envs)? = root["environments"], case .table(let t)? = envs[env], let v = t[key] {
            return v
        }
        return root[key]
    }

    /// Where a relative path from the configuration is resolved: the config file's directory, else the working directory.
    public var baseDirectory: String {
        if let path = configFile { return URL(fileURLWithPath: path).deletingLastPathComponent().path }
        return FileManager.default.currentDirectoryPath
    }
}
