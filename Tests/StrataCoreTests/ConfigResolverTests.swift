// ConfigResolver: precedence, environments, env files, ${VAR} expansion, durations, paths and warnings.
// Every test works in its own temp directory and passes variables explicitly (never the process environment).

import Foundation
import Testing
@testable import StrataCore

private func resolve(_ flags: ConfigOverrides = ConfigOverrides(), _ variables: [String: String] = [:],
                     cwd: TempDir) throws(ConfigError) -> StrataConfig {
    try ConfigResolver.resolve(flags, variables: variables, workingDirectory: cwd.path)
}

private func flags(database: String? = nil, dir: String? = nil, env: String? = nil, envFiles: [String] = [],
                   config: String? = nil) -> ConfigOverrides {
    var f = ConfigOverrides()
    f.database = database
    f.directory = dir
    f.environment = env
    f.envFiles = envFiles
    f.configFile = config
    return f
}

private let precedenceToml = """
database = "sqlite:top.sqlite"

[environments.staging]
database = "sqlite:env.sqlite"

[environments.test]
dir = "test-migrations"
"""

struct ConfigResolverTests {
    /// Every source of the database, each row removing the winner of the row before.
    static let allVariables = [
        "DATABASE_URL": "postgres://fromurl@urlhost/db",
        "PGHOST": "pghost", "PGUSER": "pguser",
        "DATABASE_HOST": "parthost", "DATABASE_USER": "partuser",
        "DB_HOST": "dbhost", "DB_USER": "dbuser",
    ]

    @Test("database precedence: flag > DATABASE_URL > PG* > DATABASE_* > DB_* > env table > top level > default", arguments: [
        // (flag, variables dropped from allVariables, --env, toml present, origin suffix, display; {dir} = the temp dir)
        ("sqlite:flag.sqlite", [String](), "staging", true, "--database", "sqlite:{dir}/flag.sqlite"),
        (nil, [], "staging", true, "DATABASE_URL", "postgres://fromurl@urlhost:5432/db"),
        (nil, ["DATABASE_URL"], "staging", true, "PG* variables", "postgres://pguser@pghost:5432/pguser"),
        (nil, ["DATABASE_URL", "PGHOST", "PGUSER"], "staging", true, "DATABASE_* variables", "postgres://partuser@parthost:5432/partuser"),
        (nil, ["DATABASE_URL", "PGHOST", "PGUSER", "DATABASE_HOST", "DATABASE_USER"], "staging", true, "DB_* variables",
         "postgres://dbuser@dbhost:5432/dbuser"),
        (nil, Array(ConfigResolverTests.allVariables.keys), "staging", true, "[environments.staging]", "sqlite:{dir}/env.sqlite"),
        (nil, Array(ConfigResolverTests.allVariables.keys), "test", true, "top level", "sqlite:{dir}/top.sqlite"),
        (nil, Array(ConfigResolverTests.allVariables.keys), nil, true, "top level", "sqlite:{dir}/top.sqlite"),
        (nil, Array(ConfigResolverTests.allVariables.keys), nil, false, "default", "sqlite:{dir}/strata.sqlite"),
    ] as [(String?, [String], String?, Bool, String, String)])
    func databasePrecedence(flag: String?, drop: [String], env: String?, toml: Bool, origin: String, display: String) throws {
        let dir = try TempDir("precedence")
        defer { dir.remove() }
        if toml { try dir.write("strata.toml", precedenceToml) }
        var variables = Self.allVariables
        for key in drop { variables[key] = nil }
        let config = try resolve(flags(database: flag, env: env), variables, cwd: dir)
        #expect(config.targetOrigin.hasSuffix(origin), "origin \(config.targetOrigin)")
        #expect(config.target.display == display.replacingOccurrences(of: "{dir}", with: dir.path))
        #expect(config.environment == env)
    }

    @Test func environmentFromFlagBeatsSTRATA_ENV() throws {
        let dir = try TempDir("envsel")
        defer { dir.remove() }
        try dir.write("strata.toml", precedenceToml)
        let both = try resolve(flags(env: "staging"), ["STRATA_ENV": "test"], cwd: dir)
        #expect(both.environment == "staging")
        #expect(both.target == .sqlite(path: dir.path + "/env.sqlite"))
        let fromVariable = try resolve(ConfigOverrides(), ["STRATA_ENV": "test"], cwd: dir)
        #expect(fromVariable.environment == "test")
        #expect(fromVariable.migrationsDirectory == dir.path + "/test-migrations")
        let empty = try resolve(ConfigOverrides(), ["STRATA_ENV": ""], cwd: dir)
        #expect(empty.environment == nil)
    }

    @Test("an unknown environment is refused, listing the known ones", arguments: [
        (flags(env: "prod"), [String: String](), ["unknown environment `prod`", "--env", "staging, test", "[environments.prod]"]),
        (ConfigOverrides(), ["STRATA_ENV": "prod"], ["unknown environment `prod`", "STRATA_ENV", "staging, test"]),
    ])
    func unknownEnvironment(flags: ConfigOverrides, variables: [String: String], words: [String]) throws {
        let dir = try TempDir("unknownenv")
        defer { dir.remove() }
        try dir.write("strata.toml", precedenceToml)
        let error = try #require(configError { () throws(ConfigError) in try resolve(flags, variables, cwd: dir) })
        expectContains(error.message, words)
    }

    @Test func unknownEnvironmentWithoutAConfigFile() throws {
        let dir = try TempDir("noconfig")
        defer { dir.remove() }
        let error = try #require(configError { () throws(ConfigError) in try resolve(flags(env: "prod"), cwd: dir) })
        expectContains(error.message, ["prod", "no strata.toml was found"])
        try dir.write("strata.toml", "dir = \"m\"\n")
        let noEnvs = try #require(configError { () throws(ConfigError) in try resolve(flags(env: "prod"), cwd: dir) })
        expectContains(noEnvs.message, ["prod", "no environments"])
    }

    @Test func envFileOfAnEnvironmentIsReadRelativeToTheConfigFile() throws {
        let dir = try TempDir("envfile")
        defer { dir.remove() }
        try dir.write("conf/strata.toml", """
        [environments.staging]
        env_file = ".env.staging"
        database = "postgres://app@${APP_DB_HOST}/app"
        [environments.multi]
        env_file = [".env.a", ".env.b"]
        """)
        try dir.write("conf/.env.staging", "APP_DB_HOST=staging-db\nEXTRA=from-file\n")
        try dir.write("conf/.env.a", "FIRST=a\nSHARED=a\n")
        try dir.write("conf/.env.b", "SECOND=b\nSHARED=b\n")
        try dir.mkdir("work")
        let cwd = subdirectory(dir, "work")

        let config = try ConfigResolver.resolve(flags(env: "staging", config: "../conf/strata.toml"), variables: [:], workingDirectory: cwd)
        #expect(config.target.display == "postgres://app@staging-db:5432/app")
        #expect(config.variables["EXTRA"] == "from-file")

        // Process variables win over the file.
        let overridden = try ConfigResolver.resolve(flags(env: "staging", config: "../conf/strata.toml"),
                                                    variables: ["APP_DB_HOST": "process-db"], workingDirectory: cwd)
        #expect(overridden.target.display == "postgres://app@process-db:5432/app")

        // An array of files: the first one to set a variable wins.
        let multi = try ConfigResolver.resolve(flags(env: "multi", config: "../conf/strata.toml"), variables: [:], workingDirectory: cwd)
        #expect(multi.variables["FIRST"] == "a")
        #expect(multi.variables["SECOND"] == "b")
        #expect(multi.variables["SHARED"] == "a")
    }

    @Test func envFileFlagIsRelativeToTheWorkingDirectoryAndLosesToProcessVariables() throws {
        let dir = try TempDir("envflag")
        defer { dir.remove() }
        try dir.write("strata.toml", "[environments.staging]\nenv_file = \".env.staging\"\n")
        try dir.write(".env.staging", "DATABASE_URL=postgres://fromenvtable@h/db\n")
        try dir.write("deploy/flag.env", "DATABASE_URL=postgres://fromflag@h/db\nSTRATA_DIR=flagdir\n")

        let flagOnly = try resolve(flags(envFiles: ["deploy/flag.env"]), cwd: dir)
        #expect(flagOnly.target.display == "postgres://fromflag@h:5432/db")
        #expect(flagOnly.migrationsDirectory == dir.path + "/flagdir")

        // The --env-file values are loaded first, so they beat the environment's env_file.
        let both = try resolve(flags(env: "staging", envFiles: ["deploy/flag.env"]), cwd: dir)
        #expect(both.target.display == "postgres://fromflag@h:5432/db")
        let tableOnly = try resolve(flags(env: "staging"), cwd: dir)
        #expect(tableOnly.target.display == "postgres://fromenvtable@h:5432/db")

        let process = try resolve(flags(env: "staging", envFiles: ["deploy/flag.env"]),
                                  ["DATABASE_URL": "postgres://fromprocess@h/db"], cwd: dir)
        #expect(process.target.display == "postgres://fromprocess@h:5432/db")
    }

    @Test func envFileErrors() throws {
        let dir = try TempDir("envfileerr")
        defer { dir.remove() }
        let missing = try #require(configError { () throws(ConfigError) in try resolve(flags(envFiles: ["nope.env"]), cwd: dir) })
        expectContains(missing.message, ["nope.env", "cannot read"])

        try dir.write("strata.toml", "[environments.a]\nenv_file = \"absent.env\"\n[environments.b]\nenv_file = 3\n")
        let absent = try #require(configError { () throws(ConfigError) in try resolve(flags(env: "a"), cwd: dir) })
        expectContains(absent.message, ["absent.env"])
        let wrongType = try #require(configError { () throws(ConfigError) in try resolve(flags(env: "b"), cwd: dir) })
        expectContains(wrongType.message, ["strata.toml", "[environments.b]", "env_file", "an integer"])

        try dir.write("bad.env", "GOOD=1\nthis line is wrong\n")
        let bad = try #require(configError { () throws(ConfigError) in try resolve(flags(envFiles: ["bad.env"]), cwd: dir) })
        expectContains(bad.message, ["bad.env:2", "KEY=value"])
    }

    @Test("${VAR} and ${VAR:-default} in strata.toml", arguments: [
        ([String: String](), "postgres://app@fallback:5432/app"),
        (["APP_DB_HOST": "real"], "postgres://app@real:5432/app"),
        (["APP_DB_HOST": "real", "APP_DB_NAME": "other"], "postgres://app@real:5432/other"),
        (["APP_DB_HOST": ""], "postgres://app@fallback:5432/app"),
    ])
    func expansionInTheFile(variables: [String: String], display: String) throws {
        let dir = try TempDir("expand")
        defer { dir.remove() }
        try dir.write("strata.toml", "database = \"postgres://app@${APP_DB_HOST:-fallback}/${APP_DB_NAME:-app}\"\n")
        #expect(try resolve(ConfigOverrides(), variables, cwd: dir).target.display == display)
    }

    @Test func unsetVariableIsAnErrorNamingItAndTheSetting() throws {
        let dir = try TempDir("unset")
        defer { dir.remove() }
        try dir.write("strata.toml", "[environments.production]\ndatabase = \"${PROD_DATABASE_URL}\"\n")
        let error = try #require(configError { () throws(ConfigError) in try resolve(flags(env: "production"), cwd: dir) })
        expectContains(error.message, ["PROD_DATABASE_URL", "is not set", "strata.toml", "[environments.production]", "database"])
    }

    @Test("expand()", arguments: [
        ("plain", "plain"),
        ("${A}", "1"),
        ("x${A}y${B}z", "x1y2z"),
        ("${MISSING:-}", ""),
        ("${MISSING:-a:-b}", "a:-b"),
        ("${A:-unused}", "1"),
        ("$A and {A}", "$A and {A}"),
        ("${A}${A}", "11"),
    ])
    func expand(text: String, expected: String) throws {
        #expect(try ConfigResolver.expand(text, variables: ["A": "1", "B": "2"], place: "here") == expected)
    }

    @Test("expand() errors", arguments: [("${MISSING}", ["here", "MISSING", "not set"]), ("${A", ["here", "unterminated"])])
    func expandErrors(text: String, words: [String]) throws {
        let error = try #require(configError { () throws(ConfigError) in try ConfigResolver.expand(text, variables: ["A": "1"], place: "here") })
        expectContains(error.message, words)
    }

    @Test func durationsFromTheFileVariablesAndFlags() throws {
        let dir = try TempDir("durations")
        defer { dir.remove() }
        try dir.write("strata.toml", """
        lock_wait = "90s"
        statement_timeout = "5m"
        lock_timeout = 3
        timeout = "1h"
        [environments.ci]
        lock_wait = "10s"
        """)
        let fromFile = try resolve(cwd: dir)
        #expect(fromFile.lockWait == .seconds(90))
        #expect(fromFile.statementTimeout == .seconds(300))
        #expect(fromFile.lockTimeout == .seconds(3))
        #expect(fromFile.runTimeout == .seconds(3600))

        #expect(try resolve(flags(env: "ci"), cwd: dir).lockWait == .seconds(10))

        let vars = ["STRATA_LOCK_WAIT": "2m", "STRATA_STATEMENT_TIMEOUT": "1s", "STRATA_LOCK_TIMEOUT": "500ms", "STRATA_TIMEOUT": "45s"]
        let fromVariables = try resolve(flags(env: "ci"), vars, cwd: dir)
        #expect(fromVariables.lockWait == .seconds(120))
        #expect(fromVariables.statementTimeout == .seconds(1))
        #expect(fromVariables.lockTimeout == .milliseconds(500))
        #expect(fromVariables.runTimeout == .seconds(45))

        var f = flags(env: "ci")
        f.lockWait = .seconds(7)
        f.statementTimeout = .seconds(8)
        f.lockTimeout = .seconds(9)
        f.runTimeout = .seconds(11)
        let fromFlags = try resolve(f, vars, cwd: dir)
        #expect(fromFlags.lockWait == .seconds(7))
        #expect(fromFlags.statementTimeout == .seconds(8))
        #expect(fromFlags.lockTimeout == .seconds(9))
        #expect(fromFlags.runTimeout == .seconds(11))
    }

    @Test func durationDefaults() throws {
        let dir = try TempDir("durdefaults")
        defer { dir.remove() }
        let config = try resolve(cwd: dir)
        #expect(config.lockWait == .seconds(60))
        #expect(config.statementTimeout == nil)
        #expect(config.lockTimeout == nil)
        #expect(config.runTimeout == nil)
        #expect(config.allowOutOfOrder == false)
        #expect(config.historyTable == "strata_migrations")
        #expect(config.eventsTable == "strata_events")
        #expect(config.historySchema == nil)
        #expect(config.configFile == nil)
        #expect(config.warnings.isEmpty)
    }

    @Test("bad durations are refused, naming where they came from", arguments: [
        ("lock_wait = \"soon\"\n", [String: String](), ["strata.toml", "lock_wait", "soon"]),
        ("[environments.e]\ntimeout = \"forever\"\n", [:], ["[environments.e]", "timeout", "forever"]),
        ("", ["STRATA_TIMEOUT": "forever"], ["STRATA_TIMEOUT=forever"]),
        ("", ["STRATA_LOCK_WAIT": "-3s"], ["STRATA_LOCK_WAIT=-3s"]),
    ])
    func badDurations(toml: String, variables: [String: String], words: [String]) throws {
        let dir = try TempDir("baddur")
        defer { dir.remove() }
        try dir.write("strata.toml", toml)
        let env = toml.contains("[environments.e]") ? "e" : nil
        let error = try #require(configError { () throws(ConfigError) in try resolve(flags(env: env), variables, cwd: dir) })
        expectContains(error.message, words)
    }

    @Test func invalidTOMLNamesFileLineAndColumn() throws {
        let dir = try TempDir("badtoml")
        defer { dir.remove() }
        try dir.write("strata.toml", "dir = \"migrations\"\n\nlock_wait = = 3\n")
        let error = try #require(configError { () throws(ConfigError) in try resolve(cwd: dir) })
        let pattern = #"strata\.toml:3:\d+: invalid TOML"#
        #expect(error.message.range(of: pattern, options: .regularExpression) != nil, "\(error.message)")
    }

    @Test func unknownKeysProduceWarningsButExtensionKeysDoNot() throws {
        let dir = try TempDir("warnings")
        defer { dir.remove() }
        try dir.write("strata.toml", """
        colour = "blue"
        backup_dir = "backups"
        [environments.x]
        databse = "sqlite:typo.sqlite"
        env_file = []
        """)
        let config = try resolve(flags(env: "x"), cwd: dir)
        #expect(config.warnings.count == 2, "\(config.warnings)")
        #expect(config.warnings.contains { $0.contains("strata.toml") && $0.contains("unknown setting `colour`") })
        #expect(config.warnings.contains { $0.contains("[environments.x]") && $0.contains("unknown setting `databse`") })
        #expect(!config.warnings.contains { $0.contains("backup_dir") || $0.contains("env_file") })
    }

    @Test func relativePathsFollowTheConfigFile() throws {
        let dir = try TempDir("relpaths")
        defer { dir.remove() }
        try dir.write("conf/strata.toml", "dir = \"db/migrations\"\ndatabase = \"sqlite:data/app.sqlite\"\n")
        try dir.mkdir("elsewhere")
        let cwd = subdirectory(dir, "elsewhere")
        let config = try ConfigResolver.resolve(flags(config: "../conf/strata.toml"), variables: [:], workingDirectory: cwd)
        #expect(config.migrationsDirectory == dir.path + "/conf/db/migrations")
        #expect(config.target == .sqlite(path: dir.path + "/conf/data/app.sqlite"))
        #expect(config.configFile == dir.path + "/conf/strata.toml")

        // STRATA_CONFIG picks the file too; a config file without `dir` puts migrations beside it.
        try dir.write("conf2/strata.toml", "table = \"history\"\n")
        let viaVariable = try ConfigResolver.resolve(ConfigOverrides(), variables: ["STRATA_CONFIG": dir.path + "/conf2/strata.toml"],
                                                     workingDirectory: cwd)
        #expect(viaVariable.migrationsDirectory == dir.path + "/conf2/migrations")
        #expect(viaVariable.historyTable == "history")

        // Flags, STRATA_DIR and URL variables are relative to the working directory.
        let fromFlags = try ConfigResolver.resolve(flags(database: "sqlite:x.sqlite", dir: "m", config: "../conf/strata.toml"),
                                                   variables: [:], workingDirectory: cwd)
        #expect(fromFlags.migrationsDirectory == cwd + "/m")
        #expect(fromFlags.target == .sqlite(path: cwd + "/x.sqlite"))
        let fromVariables = try ConfigResolver.resolve(flags(config: "../conf/strata.toml"),
                                                       variables: ["STRATA_DIR": "vm", "DATABASE_URL": "sqlite:v.sqlite"],
                                                       workingDirectory: cwd)
        #expect(fromVariables.migrationsDirectory == cwd + "/vm")
        #expect(fromVariables.target == .sqlite(path: cwd + "/v.sqlite"))
        // Absolute paths and :memory: are kept as they are.
        let absolute = try ConfigResolver.resolve(flags(database: "sqlite:///var/tmp/a.sqlite", dir: "/srv/m"), variables: [:],
                                                  workingDirectory: cwd)
        #expect(absolute.target == .sqlite(path: "/var/tmp/a.sqlite"))
        #expect(absolute.migrationsDirectory == "/srv/m")
        #expect(try ConfigResolver.resolve(flags(database: "sqlite::memory:"), variables: [:], workingDirectory: cwd).target
                == .sqlite(path: ":memory:"))
    }

    @Test func missingConfigFileIsAnError() throws {
        let dir = try TempDir("noconf")
        defer { dir.remove() }
        let error = try #require(configError { () throws(ConfigError) in try resolve(flags(config: "custom.toml"), cwd: dir) })
        expectContains(error.message, ["--config", "custom.toml", "no such file"])
    }

    @Test func otherSettings() throws {
        let dir = try TempDir("settings")
        defer { dir.remove() }
        try dir.write("strata.toml", """
        schema = "ops"
        table = "schema_history"
        events_table = "schema_events"
        allow_out_of_order = true
        [environments.bad]
        allow_out_of_order = "sometimes"
        [environments.nested]
        database = ["not", "a", "string"]
        """)
        let config = try resolve(cwd: dir)
        #expect(config.historySchema == "ops")
        #expect(config.historyTable == "schema_history")
        #expect(config.eventsTable == "schema_events")
        #expect(config.allowOutOfOrder == true)
        #expect(config.migrationsTableName == QualifiedName(schema: "ops", name: "schema_history"))

        let fromVariables = try resolve(ConfigOverrides(), ["STRATA_SCHEMA": "s2", "STRATA_TABLE": "t2"], cwd: dir)
        #expect(fromVariables.historySchema == "s2")
        #expect(fromVariables.historyTable == "t2")

        var f = ConfigOverrides()
        f.allowOutOfOrder = false
        #expect(try resolve(f, cwd: dir).allowOutOfOrder == false)

        let bad = try #require(configError { () throws(ConfigError) in try resolve(flags(env: "bad"), cwd: dir) })
        expectContains(bad.message, ["allow_out_of_order", "true or false"])
        let nested = try #require(configError { () throws(ConfigError) in try resolve(flags(env: "nested"), cwd: dir) })
        expectContains(nested.message, ["database", "must be a string", "an array"])
    }

    @Test func passwordsBecomeRedactorSecrets() throws {
        let dir = try TempDir("secrets")
        defer { dir.remove() }
        let config = try resolve(ConfigOverrides(), ["DATABASE_URL": "postgres://app:url-secret@db/app", "DB_PASSWORD": "db-secret"], cwd: dir)
        #expect(config.redactor.secrets.contains("url-secret"))
        #expect(config.redactor.secrets.contains("db-secret"))
        #expect(config.redactor.redact("failed: url-secret / db-secret") == "failed: *** / ***")
        #expect(config.targetOrigin == "DATABASE_URL")
    }
}

/// The path of a sub-folder of a temp dir (as a working directory).
private func subdirectory(_ dir: TempDir, _ sub: String) -> String { dir.path + "/" + sub }
