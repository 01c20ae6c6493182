import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// Choosing the PostgreSQL database without `--database`: an environment in strata.toml fed by
/// `--env-file`, the `DATABASE_*` variables, and libpq's `PG*` variables.
@Suite("CLI on PostgreSQL: choosing the database", .enabled(if: TestEnvironment.postgresEnabled))
struct PostgresConfigTests {
    enum Selection: String, CaseIterable, Sendable {
        case environmentWithEnvFile = "--env ci with --env-file"
        case databaseParts = "DATABASE_HOST/PORT/USER/NAME/PASSWORD"
        case libpq = "PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE"

        /// Prepares `ws` and returns the extra arguments and variables that select `db`.
        func prepare(_ ws: CLIWorkspace, for db: CLITestDatabase) throws -> (arguments: [String], environment: [String: String]) {
            switch self {
            case .environmentWithEnvFile:
                try ws.write("strata.toml", """
                    database = "sqlite:local.sqlite"

                    [environments.ci]
                    database = "${CI_DB_URL}"
                    """)
                try ws.write("ci.env", "# CI database\nexport CI_DB_URL='\(db.url)'\n")
                return (["--env", "ci", "--env-file", "ci.env"], [:])
            case .databaseParts:
                return ([], ["DATABASE_HOST": db.host, "DATABASE_PORT": String(db.port), "DATABASE_USER": db.user,
                             "DATABASE_PASSWORD": db.password, "DATABASE_NAME": db.name])
            case .libpq:
                return ([], ["PGHOST": db.host, "PGPORT": String(db.port), "PGUSER": db.user, "PGPASSWORD": db.password, "PGDATABASE": db.name])
            }
        }
    }

    @Test("status and up reach PostgreSQL", arguments: Selection.allCases)
    func selection(_ selection: Selection) async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.migration("0001_widgets.sql", up: "CREATE TABLE widgets (id integer PRIMARY KEY);", down: "DROP TABLE widgets;")
                let (args, env) = try selection.prepare(ws, for: db)

                let status = try await ws.run(["status", "--json"] + args, environment: env)
                #expect(status.exitCode == 0, "\(status)")
                let object = try jsonObject(status.stdout)
                let database = try #require(object["database"] as? String, "\(status)")
                #expect(database.hasPrefix("postgres://") && database.hasSuffix("/\(db.name)"), "\(database)")
                #expect(!status.output.contains(db.password))
                if selection == .environmentWithEnvFile { #expect(object["environment"] as? String == "ci") }
                #expect((object["migrations"] as? [[String: Any]])?.first?["state"] as? String == "pending")

                let up = try await ws.run(["up"] + args, environment: env)
                #expect(up.exitCode == 0, "\(up)")
                #expect(try await db.relationExists("widgets"))
                #expect(try await db.appliedVersions() == ["0001"])
                if selection == .environmentWithEnvFile {
                    #expect(try await db.scalar("SELECT environment FROM strata_events") == "ci")
                }
                #expect(!ws.exists("local.sqlite") && !ws.exists("strata.sqlite"), "a SQLite file was used instead")
            }
        }
    }
}
