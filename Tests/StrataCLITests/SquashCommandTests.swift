import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// `strata squash` on a set of 60 migrations using most kinds of schema object: the baseline's schema equals the one the
/// migrations build (pg_dump --schema-only), and both a fresh database and one already past the squashed version end
/// at the same schema as a database migrated by the original files.
@Suite("CLI on PostgreSQL: strata squash", .enabled(if: TestEnvironment.postgresEnabled))
struct SquashCommandTests {
    /// Migration `k` (1…60): tables, columns added and dropped, indexes (one CONCURRENTLY), an enum, a domain, a view,
    /// a function and trigger, a sequence, comments, a foreign key, a schema, and reference rows in `countries`.
    static func migration(_ k: Int) -> String {
        let up: String, down: String
        switch k {
        case 1: (up, down) = ("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');", "DROP TYPE mood;")
        case 2: (up, down) = ("CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');", "DROP DOMAIN email;")
        case 3: (up, down) = ("CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);\nINSERT INTO countries VALUES ('fr', 'France'), ('jp', 'Japan');",
                              "DROP TABLE countries;")
        case 4: (up, down) = ("CREATE SCHEMA billing;", "DROP SCHEMA billing;")
        case 5: (up, down) = ("CREATE SEQUENCE invoice_numbers START 1000;", "DROP SEQUENCE invoice_numbers;")
        case 6: (up, down) = ("CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, mail email NOT NULL, mood mood NOT NULL DEFAULT 'ok', country char(2) REFERENCES countries (code));",
                              "DROP TABLE users;")
        case 7: (up, down) = ("""
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.updated_at := now();
                RETURN NEW;
            END;
            $$;
            """, "DROP FUNCTION touch();")
        case 8: (up, down) = ("ALTER TABLE users ADD COLUMN updated_at timestamptz;\nCREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();",
                              "DROP TRIGGER users_touch ON users;\nALTER TABLE users DROP COLUMN updated_at;")
        case 9: (up, down) = ("CREATE TABLE billing.invoices (number bigint PRIMARY KEY DEFAULT nextval('invoice_numbers'), user_id bigint NOT NULL REFERENCES users (id), total numeric(12, 2) NOT NULL);",
                              "DROP TABLE billing.invoices;")
        case 10: (up, down) = ("CREATE INDEX CONCURRENTLY users_mail ON users (lower(mail));", "DROP INDEX CONCURRENTLY users_mail;")
        case 11: (up, down) = ("CREATE VIEW happy_users AS SELECT id, mail FROM users WHERE mood = 'happy';", "DROP VIEW happy_users;")
        case 12: (up, down) = ("COMMENT ON TABLE users IS 'people who signed up';", "COMMENT ON TABLE users IS NULL;")
        case 20: (up, down) = ("INSERT INTO countries VALUES ('br', 'Brazil');", "DELETE FROM countries WHERE code = 'br';")
        case 30: (up, down) = ("ALTER TABLE t13 DROP COLUMN note;", "ALTER TABLE t13 ADD COLUMN note text;")
        default:
            // Plain tables t13…t60 with a column, an index, and now and then a foreign key to the previous one.
            let fk = k % 5 == 0 && k > 13 && k != 30 && k != 20 ? ", prev bigint REFERENCES t\(k - 1) (id)" : ""
            (up, down) = ("CREATE TABLE t\(k) (id bigint PRIMARY KEY, note text, created_at timestamptz NOT NULL DEFAULT now()\(fk));\nCREATE INDEX t\(k)_created ON t\(k) (created_at);",
                          "DROP TABLE t\(k);")
        }
        return "-- strata:up\n\(up)\n-- strata:down\n\(down)\n"
    }

    static func write(_ ws: CLIWorkspace) throws {
        for k in 1...60 { try ws.write(String(format: "migrations/%04d_m%d.sql", k, k), migration(k)) }
    }

    func steps(_ r: CLIResult) throws -> [String] {
        (try jsonObject(r.stdout)["steps"] as? [[String: Any]])?.compactMap { $0["version"] as? String } ?? []
    }

    @Test("60 migrations squashed through 50: same schema and reference rows on a fresh database and on one already past 50")
    func squash() async throws {
        try await CLIWorkspace.with { ws in
            try Self.write(ws)
            try await CLITestDatabase.with { original in
                try await CLITestDatabase.with { existing in
                    try await CLITestDatabase.with { fresh in
                        #expect(try await ws.run(["up", "-d", original.url]).exitCode == 0)
                        #expect(try await ws.run(["up", "--to", "52", "-d", existing.url]).exitCode == 0)

                        let dry = try await ws.run(["squash", "--through", "50", "--data", "countries", "--dry-run", "--json", "-d", existing.url])
                        #expect(dry.exitCode == 0, "\(dry)")
                        #expect(try jsonObject(dry.stdout)["schema_matches"] as? Bool == true, "\(dry)")
                        #expect(ws.exists("migrations/0001_m1.sql") && !ws.exists("migrations/archive"), "a dry run moves nothing")

                        let before = try existing.schemaDump()
                        let squash = try await ws.run(["squash", "--through", "50", "--data", "countries", "-d", existing.url])
                        #expect(squash.exitCode == 0, "\(squash)")
                        #expect(squash.stdout.contains("Replaced 50 migrations (0001 … 0050)"), "\(squash)")
                        #expect(try existing.schemaDump() == before, "the database named with -d is not touched")
                        #expect(ws.exists("migrations/archive/0001_m1.sql") && ws.exists("migrations/archive/0050_m50.sql") && !ws.exists("migrations/0050_m50.sql"))
                        let baseline = try ws.read("migrations/0050_baseline.sql")
                        #expect(baseline.contains("-- strata:baseline") && baseline.contains("'Brazil'") && !baseline.contains("strata_migrations"))

                        let catchUp = try await ws.run(["up", "--json", "-d", existing.url])
                        #expect(catchUp.exitCode == 0, "\(catchUp)")
                        #expect(try steps(catchUp) == (53...60).map { String(format: "%04d", $0) }, "\(catchUp)")

                        let up = try await ws.run(["up", "--json", "-d", fresh.url])
                        #expect(up.exitCode == 0, "\(up)")
                        #expect(try steps(up) == ["0050"] + (51...60).map { String(format: "%04d", $0) }, "\(up)")

                        let reference = try Self.userSchema(original.schemaDump())
                        #expect(try Self.userSchema(existing.schemaDump()) == reference)
                        #expect(try Self.userSchema(fresh.schemaDump()) == reference)
                        for db in [existing, fresh] {
                            #expect(try await db.scalar("SELECT string_agg(code || name, ',' ORDER BY code) FROM countries") == "brBrazil,frFrance,jpJapan")
                            #expect(try await db.scalar("SELECT nextval('invoice_numbers')") == "1000")
                        }
                        let status = try jsonObject(try await ws.run(["status", "--json", "-d", existing.url]).stdout)
                        let states = (status["migrations"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
                        #expect(states.filter { $0 == "archived" }.count == 49 && states.filter { $0 == "applied" }.count == 11, "\(status)")
                    }
                }
            }
        }
    }

    @Test("refusals: not a version of the folder, a SQLite target, a foreign layout; nothing written")
    func refusals() async throws {
        try await CLIWorkspace.with { ws in
            try Self.write(ws)
            let sqlite = try await ws.run(["squash", "--through", "50"])
            #expect(sqlite.exitCode == 2 && sqlite.stderr.contains("pass -d postgres://"), "\(sqlite)")
            try await CLITestDatabase.with { db in
                let missing = try await ws.run(["squash", "--through", "61", "-d", db.url])
                #expect(missing.exitCode == 2 && missing.stderr.contains("--through 61: no migration has that version"), "\(missing)")
                let noTable = try await ws.run(["squash", "--through", "5", "--data", "nope", "-d", db.url])
                #expect(noTable.exitCode == 5 && noTable.stderr.contains("--data nope: no such table"), "\(noTable)")
                #expect(!ws.exists("migrations/archive") && !ws.exists("migrations/0005_baseline.sql"))
                let left = try await db.scalar("SELECT count(*) FROM pg_database WHERE datname LIKE 'strata_squash_%'")
                #expect(left == "0", "scratch databases are dropped")
            }
        }
    }

    /// The dump without Strata's history tables (their rows differ; their shape does not).
    static func userSchema(_ dump: String) -> [String] {
        dump.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("--") }
    }
}
