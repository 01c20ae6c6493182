import ArgumentParser
import Foundation
import StrataKit

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.short, .customLong("database")], help: "Database URL: postgres://user@host:5432/db or sqlite:path (default: DATABASE_URL, PG*, DATABASE_*/DB_* variables, strata.toml, then sqlite:strata.sqlite).")
    var database: String?

    @Option(help: "Migrations directory (default: migrations, or `dir` in strata.toml).")
    var dir: String?

    @Option(help: ArgumentHelp("Layout of the migrations folder: auto, strata, diesel, golang-migrate, goose, dbmate, drizzle (default: detected; STRATA_FORMAT, `format` in strata.toml).", valueName: "format"))
    var format: String?

    @Option(help: "Environment from [environments.NAME] in strata.toml (default: STRATA_ENV).")
    var env: String?

    @Option(name: .customLong("env-file"), help: "Load variables from a dotenv file (repeatable); variables already set win.")
    var envFile: [String] = []

    @Option(help: "Configuration file (default: ./strata.toml when present, or STRATA_CONFIG).")
    var config: String?

    @Flag(help: "Print JSON on stdout (a stable shape documented in the README).")
    var json = false

    @Flag(name: [.short, .long], help: "Print only errors.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Print debug details and underlying errors.")
    var verbose = false

    @Flag(name: .customLong("no-color"), help: "Never use colour (also NO_COLOR).")
    var noColor = false

    /// Options that take a value, for moving global options written before the subcommand.
    static let valueOptions: Set<String> = ["-d", "--database", "--dir", "--env", "--env-file", "--config", "--format"]
    static let flagOptions: Set<String> = ["--json", "-q", "--quiet", "-v", "--verbose", "--no-color"]
}

/// Options of commands that change the schema.
struct RunFlags: ParsableArguments {
    @Flag(name: .customLong("dry-run"), help: "Print the exact SQL that would run, bookkeeping included, and change nothing.")
    var dryRun = false

    @Flag(name: .customLong("single-transaction"), help: "Apply the whole plan in one transaction: all or nothing.")
    var singleTransaction = false

    @Option(help: ArgumentHelp("Stop the whole run after this long (e.g. 30m); the running migration is rolled back.", valueName: "duration"))
    var timeout: String?

    @Option(name: .customLong("lock-wait"), help: ArgumentHelp("How long to wait for another run's lock (default 60s).", valueName: "duration"))
    var lockWait: String?

    @Option(name: .customLong("statement-timeout"), help: ArgumentHelp("statement_timeout for each migration (a file's `-- strata:timeout` wins).", valueName: "duration"))
    var statementTimeout: String?

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("lock_timeout for each migration (a file's `-- strata:lock-timeout` wins).", valueName: "duration"))
    var lockTimeout: String?

    @Flag(name: .customLong("allow-out-of-order"), help: "Apply pending migrations older than the latest applied one.")
    var allowOutOfOrder = false

    func duration(_ text: String?, flag: String) throws -> Duration? {
        guard let text else { return nil }
        guard let d = DurationText.parse(text) else { throw ConfigError("\(flag) \(text): not a duration (use 500ms, 30s, 5m, 1h)") }
        return d
    }

    func apply(to overrides: inout ConfigOverrides) throws {
        overrides.runTimeout = try duration(timeout, flag: "--timeout")
        if let t = overrides.runTimeout, t <= .zero, let timeout { throw ConfigError("--timeout \(timeout): must be longer than zero") }
        overrides.lockWait = try duration(lockWait, flag: "--lock-wait")
        overrides.statementTimeout = try duration(statementTimeout, flag: "--statement-timeout")
        overrides.lockTimeout = try duration(lockTimeout, flag: "--lock-timeout")
        if allowOutOfOrder { overrides.allowOutOfOrder = true }
    }
}
