import ArgumentParser
import Foundation
import StrataKit

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create strata.toml and a migrations directory with an example migration.")

    @Flag(help: "Overwrite an existing strata.toml.")
    var force = false

    @OptionGroup var global: GlobalOptions

    static func configText(dir: String) -> String {
        """
        # strata.toml: Strata's configuration. Every setting can also come from a flag or a variable;
        # precedence: flags > environment variables (and --env-file) > [environments.NAME] > top level > defaults.

        # Where migration files live.
        dir = "\(dir)"

        # The database when no --database, DATABASE_URL, PG* or DATABASE_*/DB_* variable is set.
        # The embedded default needs no server:
        database = "sqlite:strata.sqlite"

        # History tables (PostgreSQL: optionally in their own schema).
        # schema = "public"
        # table = "strata_migrations"
        # events_table = "strata_events"

        # How long to wait for another run's lock, and default per-migration timeouts.
        lock_wait = "60s"
        # statement_timeout = "5m"
        # lock_timeout = "10s"

        # Environments, chosen with --env NAME or STRATA_ENV=NAME. Values may use ${VARIABLE}.
        # [environments.staging]
        # database = "${STAGING_DATABASE_URL}"
        # env_file = ".env.staging"
        #
        # [environments.production]
        # database = "postgres://migrator@db.internal:5432/app?sslmode=verify-full"
        # env_file = "/etc/strata/env-production"   # e.g. PGPASSWORD=…

        """
    }

    static let exampleMigration = """
        -- strata:up
        -- An example migration; edit or delete it. Each section runs in its own transaction.
        CREATE TABLE strata_example (
            id integer PRIMARY KEY,
            note text NOT NULL
        );

        -- strata:down
        DROP TABLE strata_example;

        -- strata:verify
        SELECT id, note FROM strata_example LIMIT 0;

        """

    func run() async throws {
        let out = Output(json: global.json, quiet: global.quiet, verbose: global.verbose, noColor: global.noColor, redactor: Redactor())
        let fm = FileManager.default
        let cwd = fm.currentDirectoryPath
        let configPath = global.config.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 } ?? cwd + "/strata.toml"
        let dirName = global.dir ?? "migrations"
        let dirPath = dirName.hasPrefix("/") ? dirName : cwd + "/" + dirName
        var created: [String] = []
        do {
            if fm.fileExists(atPath: configPath) && !force {
                out.note("\(configPath) exists; keeping it (use --force to overwrite)")
            } else {
                try Self.configText(dir: dirName).write(toFile: configPath, atomically: true, encoding: .utf8)
                created.append(configPath)
            }
            try fm.createDirectory(atPath: dirPath, withIntermediateDirectories: true)
            let existing = (try? fm.contentsOfDirectory(atPath: dirPath))?.filter { !$0.hasPrefix(".") } ?? []
            if existing.isEmpty {
                let name = "\(MigrationFileName.timestamp(Date()))_create_example.sql"
                try Self.exampleMigration.write(toFile: dirPath + "/" + name, atomically: true, encoding: .utf8)
                created.append(dirPath + "/" + name)
            } else {
                out.note("\(dirName) already holds migrations; no example added")
            }
        } catch {
            out.error("cannot initialise: \((error as NSError).localizedDescription)", code: .failure)
            throw ExitCode(StrataExit.failure.rawValue)
        }
        if out.json { out.emitJSON(["created": created]); return }
        for c in created { out.line("created \(c.hasPrefix(cwd + "/") ? String(c.dropFirst(cwd.count + 1)) : c)") }
        out.line("Next: `strata new create_users`, then `strata up` (database: sqlite:strata.sqlite unless configured).")
    }
}
