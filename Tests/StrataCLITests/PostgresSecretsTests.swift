import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// Passwords never appear in what `strata` prints: not on a refused login, an unreachable server,
/// a failed migration, with `--verbose` or `--json`.
@Suite("CLI on PostgreSQL: passwords stay secret", .enabled(if: TestEnvironment.postgresEnabled))
struct PostgresSecretsTests {
    static let secret = "sup3r-s3cret-pw"
    /// A password that must be percent-encoded in a URL; neither form may be printed.
    static let specialSecret = "p@ss:w/rd%41-s3cret"

    /// Where the password is given.
    enum PasswordForm: String, CaseIterable, Sendable {
        case databaseFlag = "--database URL"
        case databaseURL = "DATABASE_URL"
        case libpq = "PG* variables"
        case parts = "DATABASE_* variables"
        case shortParts = "DB_* variables"

        /// Arguments and variables that point `strata` at `db` on `port` with `password`.
        func connection(to db: CLITestDatabase, password: String, port: Int) -> (arguments: [String], environment: [String: String]) {
            switch self {
            case .databaseFlag: (["--database", db.url(password: password, port: port)], [:])
            case .databaseURL: ([], ["DATABASE_URL": db.url(password: password, port: port)])
            case .libpq: ([], ["PGHOST": db.host, "PGPORT": String(port), "PGUSER": db.user, "PGPASSWORD": password, "PGDATABASE": db.name])
            case .parts: ([], ["DATABASE_HOST": db.host, "DATABASE_PORT": String(port), "DATABASE_USER": db.user,
                               "DATABASE_PASSWORD": password, "DATABASE_NAME": db.name])
            case .shortParts: ([], ["DB_HOST": db.host, "DB_PORT": String(port), "DB_USER": db.user, "DB_PASSWORD": password, "DB_NAME": db.name])
            }
        }
    }

    static let outputFlags: [[String]] = [[], ["--verbose"], ["--json"], ["--verbose", "--json"]]

    @Test("a refused login and an unreachable server exit 3 without printing the password", arguments: PasswordForm.allCases)
    func connectionFailures(_ form: PasswordForm) async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.migration("0001_a.sql", up: "CREATE TABLE a (id integer);", down: "DROP TABLE a;")
                // Port 1: nothing listens there, so the connection is refused at once.
                let cases = [("wrong password", db.port, Self.secret), ("wrong password with URL-reserved characters", db.port, Self.specialSecret),
                             ("unreachable", 1, Self.secret)]
                for (label, port, password) in cases {
                    let (args, env) = form.connection(to: db, password: password, port: port)
                    let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password
                    let runs = Self.outputFlags.map { ["status"] + $0 } + [["up", "--verbose"], ["up", "--json"]]
                    for command in runs {
                        let r = try await ws.run(command + args, environment: env)
                        #expect(r.exitCode == 3, "\(label), \(form.rawValue): \(r)")
                        #expect(!r.output.contains(password) && !r.output.contains(encoded), "\(label), \(form.rawValue) leaked the password: \(r)")
                        #expect(r.stderr.contains("cannot connect"), "\(label): \(r)")
                        if command.contains("--json") {
                            let error = try jsonObject(r.stdout)["error"] as? [String: Any]
                            #expect(error?["code"] as? Int == 3, "\(r)")
                        }
                    }
                }
                #expect(try await db.appliedVersions() == [])
            }
        }
    }

    @Test("a failing migration with --verbose does not print the password")
    func failingMigrationVerbose() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                let password = db.password
                try #require(password.count >= 3, "the test server needs a password")
                try ws.migration("0001_bad.sql", up: "CREATE TABLE bad (id integer);\nSELECT 1/0;", down: "DROP TABLE bad;")
                for form in PasswordForm.allCases {
                    let (args, env) = form.connection(to: db, password: password, port: db.port)
                    for flags in [["--verbose"], ["--verbose", "--json"]] {
                        let r = try await ws.run(["up"] + flags + args, environment: env)
                        #expect(r.exitCode == 1, "\(form.rawValue): \(r)")
                        #expect(r.stderr.contains("division by zero"), "\(r)")
                        #expect(!r.output.contains(password), "\(form.rawValue) leaked the password: \(r)")
                    }
                }
                #expect(try await db.appliedVersions() == [])
            }
        }
    }
}
