import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// Flyway and Sqitch specifics end to end: baselines, repeatables, placeholders, verify scripts, and taking over
/// `flyway_schema_history` with its baseline, failed and repeatable rows.
@Suite("CLI on PostgreSQL: Flyway and Sqitch folders", .enabled(if: TestEnvironment.postgresEnabled))
struct FlywaySqitchTests {
    func steps(_ r: CLIResult) throws -> [String] {
        (try jsonObject(r.stdout)["steps"] as? [[String: Any]])?.compactMap { $0["version"] as? String } ?? []
    }

    @Test("Flyway B scripts: a fresh database starts from the newest baseline; one already past it runs the versioned scripts")
    func baseline() async throws {
        try await CLIWorkspace.with { ws in
            try ws.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n")
            try ws.write("migrations/V2__b.sql", "CREATE TABLE b (id int);\n")
            try ws.write("migrations/B2__a_and_b.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nCOMMENT ON TABLE b IS 'from the baseline';\n")
            try ws.write("migrations/V3__c.sql", "CREATE TABLE c (id int);\n")
            try await CLITestDatabase.with { fresh in
                let up = try await ws.run(["up", "--json", "-d", fresh.url])
                #expect(up.exitCode == 0, "\(up)")
                #expect(try steps(up) == ["2", "3"], "\(up)")
                #expect(try await fresh.scalar("SELECT obj_description('b'::regclass)") == "from the baseline")
                let status = try jsonObject(try await ws.run(["status", "--json", "-d", fresh.url]).stdout)
                let states = (status["migrations"] as? [[String: Any]])?.map { "\($0["version"] ?? "")=\($0["state"] ?? "")" }
                #expect(states == ["1=covered", "2=applied", "3=applied"], "\(status)")
            }
            try await CLITestDatabase.with { existing in
                #expect(try await ws.run(["up", "--to", "1", "-d", existing.url]).exitCode == 0)
                let up = try await ws.run(["up", "--json", "-d", existing.url])
                #expect(up.exitCode == 0, "\(up)")
                #expect(try steps(up) == ["2", "3"], "\(up)")
                #expect(try await existing.scalar("SELECT obj_description('b'::regclass)") == nil, "V2 ran, not B2")
            }
        }
    }

    @Test("Flyway repeatables run after the versioned scripts and again when changed; placeholders come from the environment")
    func repeatables() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                let env = ["FLYWAY_PLACEHOLDERS_LABEL": "first"]
                try ws.write("migrations/V1__t.sql", "CREATE TABLE t (id int);\n")
                try ws.write("migrations/R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT id, '${label}'::text AS label FROM t;\n")
                let up = try await ws.run(["up", "--json", "-d", db.url], environment: env)
                #expect(up.exitCode == 0, "\(up)")
                #expect(try steps(up) == ["1", "R__v"], "\(up)")
                let again = try await ws.run(["up", "--json", "-d", db.url], environment: env)
                #expect(try steps(again).isEmpty, "unchanged: not run again \(again)")
                try ws.write("migrations/R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT id, '${label}'::text AS label, 1 AS n FROM t;\n")
                let changed = try await ws.run(["up", "--json", "-d", db.url], environment: ["FLYWAY_PLACEHOLDERS_LABEL": "second"])
                #expect(changed.exitCode == 0, "\(changed)")
                #expect(try steps(changed) == ["R__v"], "\(changed)")
                #expect(try await db.scalar("SELECT pg_get_viewdef('v')")?.contains("'second'") == true)
                try ws.write("migrations/V2__u.sql", "SELECT '${nope}';\n")
                let missing = try await ws.run(["up", "-d", db.url])
                #expect(missing.exitCode == 5 && missing.stderr.contains("V2__u.sql:1: no value provided for Flyway placeholder ${nope}"), "\(missing)")
            }
        }
    }

    @Test("Sqitch verify scripts run after each deploy: a failing verify rolls the change back")
    func sqitchVerify() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.write("migrations/sqitch.plan", "%project=p\n\nwidgets 2026-01-01T00:00:00Z A <a@x>\nbroken [widgets] 2026-01-02T00:00:00Z A <a@x>\n")
                try ws.write("migrations/deploy/widgets.sql", "CREATE TABLE widgets (id int);\n")
                try ws.write("migrations/verify/widgets.sql", "BEGIN;\nSELECT id FROM widgets WHERE false;\nROLLBACK;\n")
                try ws.write("migrations/deploy/broken.sql", "CREATE TABLE gadgets (id int);\n")
                try ws.write("migrations/verify/broken.sql", "SELECT 1/count(*) FROM gadgets;\n")
                let up = try await ws.run(["up", "-d", db.url])
                #expect(up.exitCode != 0 && up.stderr.contains("verify/broken.sql") && up.stderr.contains("division by zero"), "\(up)")
                #expect(try await db.appliedVersions() == ["1"])
                let tables = try await db.userTables()
                #expect(tables.contains("widgets") && !tables.contains("gadgets"), "\(tables)")
            }
        }
    }

    @Test("adopt flyway_schema_history: a `flyway baseline` row, B-applied versions, repeatables by checksum; failed rows refuse")
    func adoptFlyway() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                let view = "CREATE OR REPLACE VIEW v AS SELECT 1 AS one;\n", report = "CREATE OR REPLACE VIEW r AS SELECT 2 AS two;\n"
                try ws.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n")
                try ws.write("migrations/V2__b.sql", "CREATE TABLE b (id int);\n")
                try ws.write("migrations/V3__c.sql", "CREATE TABLE c (id int);\n")
                try ws.write("migrations/B3__abc.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nCREATE TABLE c (id int);\n")
                try ws.write("migrations/V4__d.sql", "CREATE TABLE d (id int);\n")
                try ws.write("migrations/R__v.sql", view)
                try ws.write("migrations/R__r.sql", report)
                for sql in AdoptForeignTables.statements(.flyway, postgres: true, applied: []) + [
                    "CREATE TABLE a (id int)", "CREATE TABLE b (id int)", "CREATE TABLE c (id int)", view, "CREATE VIEW r AS SELECT 1 AS two",
                    AdoptForeignTables.flywayRow(rank: 1, version: "3", description: "abc", type: "SQL_BASELINE", script: "B3__abc.sql", checksum: 1, success: true, postgres: true),
                    AdoptForeignTables.flywayRow(rank: 2, version: nil, description: "v", type: "SQL", script: "R__v.sql", checksum: FlywayChecksum.of(view), success: true, postgres: true),
                    AdoptForeignTables.flywayRow(rank: 3, version: nil, description: "r", type: "SQL", script: "R__r.sql", checksum: 12345, success: true, postgres: true),
                ] { try await db.execute(sql) }
                let adopt = try await ws.run(["adopt", "--json", "-d", db.url])
                #expect(adopt.exitCode == 0, "\(adopt)")
                let json = try jsonObject(adopt.stdout)
                #expect((json["recorded"] as? [[String: Any]])?.compactMap { $0["version"] as? String } == ["3", "R__v"], "\(json)")
                #expect((json["pending"] as? [[String: Any]])?.compactMap { $0["version"] as? String } == ["4", "R__r"], "\(json)")
                #expect(adopt.stdout.contains("R__r.sql changed since Flyway last applied it"), "\(adopt)")
                let up = try await ws.run(["up", "--json", "-d", db.url])
                #expect(up.exitCode == 0, "\(up)")
                #expect(try steps(up) == ["4", "R__r"], "\(up)")
                #expect(try await db.scalar("SELECT pg_get_viewdef('r')")?.contains("2 AS two") == true)
            }
            try await CLITestDatabase.with { db in
                for sql in AdoptForeignTables.statements(.flyway, postgres: true, applied: []) + [
                    AdoptForeignTables.flywayRow(rank: 1, version: "2", description: "<< Flyway Baseline >>", type: "BASELINE", script: "<< Flyway Baseline >>", checksum: nil, success: true, postgres: true),
                    AdoptForeignTables.flywayRow(rank: 2, version: "3", description: "c", type: "SQL", script: "V3__c.sql", checksum: 0, success: false, postgres: true),
                ] { try await db.execute(sql) }
                let refused = try await ws.run(["adopt", "-d", db.url])
                #expect(refused.exitCode == 5 && refused.stderr.contains("records failed migration 3") && refused.stderr.contains("flyway repair"), "\(refused)")
                try await db.execute("DELETE FROM flyway_schema_history WHERE NOT success")
                let dry = try await ws.run(["adopt", "--json", "--dry-run", "-d", db.url])
                #expect((try jsonObject(dry.stdout)["recorded"] as? [[String: Any]])?.compactMap { $0["version"] as? String } == ["1", "2"], "\(dry)")
            }
        }
    }
}
