import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// `Tests/Fixtures/<name>` (outside any test target), found from this file's path.
func fixture(_ name: String, filePath: String = #filePath) -> String {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

/// The user schema as the comparisons need it: relations, columns, routines, constraints, triggers, index definitions, comments.
func schema(_ db: CLITestDatabase) async throws -> [String] {
    var out: [String] = []
    for sql in [
        "SELECT c.relname || ' ' || c.relkind::text FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1",
        """
        SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1
        """,
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(p.prosrc) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1",
        "SELECT t.typname FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype = 'e' ORDER BY 1",
        "SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1",
        "SELECT tgrelid::regclass || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
        "SELECT c.relname || ': ' || d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid WHERE d.objsubid = 0 ORDER BY 1",
    ] {
        out += try await db.query(sql).compactMap { $0[0] }
    }
    return out
}

@Suite("CLI on PostgreSQL: other tools' migration folders", .enabled(if: TestEnvironment.postgresEnabled))
struct ForeignFormatTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var path: String
        var format: String
        var count: Int
        var hasDown: Bool
        /// An index created with CONCURRENTLY somewhere in the set.
        var concurrentIndex: String
        var testDescription: String { format }
    }

    static let cases = [
        Case(path: "goose", format: "goose", count: 5, hasDown: true, concurrentIndex: "books_title"),
        Case(path: "golang-migrate", format: "golang-migrate", count: 6, hasDown: true, concurrentIndex: "accounts_email"),
        Case(path: "dbmate", format: "dbmate", count: 5, hasDown: true, concurrentIndex: "posts_title"),
        Case(path: "diesel/migrations", format: "diesel", count: 5, hasDown: true, concurrentIndex: "users_email"),
        Case(path: "drizzle", format: "drizzle", count: 4, hasDown: false, concurrentIndex: "orders_customer_idx"),
        Case(path: "flyway/sql", format: "flyway", count: 8, hasDown: true, concurrentIndex: "customers_email"),
        Case(path: "sqitch", format: "sqitch", count: 5, hasDown: true, concurrentIndex: "products_name_search"),
    ]

    @Test("the fixture applies unmodified on a fresh database; down --to 0 then up gives the same schema; status names the layout",
          arguments: cases)
    func roundTrip(_ c: Case) async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                let dir = fixture(c.path)
                let env = ["GOOSE_FIXTURE_OWNER": "team data"]
                let up = try await ws.run(["up", "-d", db.url, "--dir", dir], environment: env)
                #expect(up.exitCode == 0, "\(up)")
                #expect(try await db.appliedVersions().count == c.count, "\(up)")
                #expect(try await db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('\(c.concurrentIndex)')") == "true")

                let status = try jsonObject(try await ws.run(["status", "--json", "-d", db.url, "--dir", dir], environment: env).stdout)
                #expect(status["format"] as? String == c.format, "\(status)")
                #expect((status["migrations"] as? [[String: Any]])?.allSatisfy { $0["state"] as? String == "applied" } == true, "\(status)")
                let human = try await ws.run(["status", "-d", db.url, "--dir", dir], environment: env)
                #expect(human.stdout.contains("layout: \(c.format), detected from"), "\(human)")

                guard c.hasDown else { return }
                let before = try await schema(db)
                let down = try await ws.run(["down", "--to", "0", "-d", db.url, "--dir", dir], environment: env)
                #expect(down.exitCode == 0, "\(down)")
                let leftTables = try await db.userTables(), leftVersions = try await db.appliedVersions()
                #expect(leftTables.isEmpty && leftVersions.isEmpty, "\(leftTables) \(leftVersions) \(down)")
                let again = try await ws.run(["up", "-d", db.url, "--dir", dir], environment: env)
                #expect(again.exitCode == 0, "\(again)")
                let after = try await schema(db)
                #expect(after == before, "\(Set(after).symmetricDifference(Set(before)))")
            }
        }
    }

    @Test("goose: ENVSUB takes the variable from the environment; the skipped file is warned about on stderr")
    func gooseEnvsub() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                let r = try await ws.run(["up", "-d", db.url, "--dir", fixture("goose")], environment: ["GOOSE_FIXTURE_OWNER": "team data"])
                #expect(r.exitCode == 0 && r.stderr.contains("warning: seed_notes.sql"), "\(r)")
                #expect(try await db.scalar("SELECT obj_description('authors'::regclass)") == "owned by team data")
                #expect(try await db.scalar("SELECT value FROM settings") == "${not_expanded}")
            }
        }
    }

    @Test("malformed sets are refused before anything runs, naming the file", arguments: [
        ("goose", "00001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n", "00002_b.sql", "CREATE TABLE b (id int);\n", "00002_b.sql:1:1: SQL before any `-- +goose Up` annotation"),
        ("drizzle", "meta/_journal.json", #"{"entries":[{"idx":0,"when":1,"tag":"0000_a"},{"idx":1,"when":2,"tag":"0001_b"}]}"#,
         "0000_a.sql", "CREATE TABLE a (id int);", "meta/_journal.json: entry 1 (tag 0001_b) names 0001_b.sql, which does not exist"),
        ("sqitch", "sqitch.plan", "%project=p\n\na [b] 2026-01-01T00:00:00Z A <a@x>\nb [a] 2026-01-01T00:00:00Z A <a@x>\n", "deploy/a.sql", "CREATE TABLE a (id int);\n",
         "sqitch.plan:3: dependency cycle detected between changes \"a\" (line 3) → \"b\" (line 4) → \"a\" (line 3)"),
        ("dbmate", "1_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\n", "2_b.sql", "-- migrate:up\nCREATE TABLE b (id int);\n",
         "2_b.sql:1:1: `-- migrate:up` without a `-- migrate:down`"),
    ])
    func malformed(format: String, file1: String, text1: String, file2: String, text2: String, message: String) async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.write("migrations/\(file1)", text1)
                try ws.write("migrations/\(file2)", text2)
                let r = try await ws.run(["up", "-d", db.url, "--format", format])
                #expect(r.exitCode == 5 && r.stderr.contains(message) && r.stderr.contains("nothing was run"), "\(r)")
                #expect(try await db.userTables().isEmpty)
            }
        }
    }

    @Test("--format and strata.toml `format` choose the layout; a folder that is not in the named layout is refused")
    func formatOption() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                let dir = fixture("golang-migrate")
                try ws.write("migrations/0001_a.up.sql", "CREATE TABLE a (id int);\n")
                try ws.write("migrations/0001_a.down.sql", "DROP TABLE a;\n")
                let detected = try jsonObject(try await ws.run(["status", "--json", "-d", db.url]).stdout)
                #expect(detected["format"] as? String == "golang-migrate", "\(detected)")
                try ws.write("strata.toml", "format = \"strata\"\n")
                let fromFile = try jsonObject(try await ws.run(["status", "--json", "-d", db.url]).stdout)
                #expect(fromFile["format"] as? String == "strata", "\(fromFile)")
                let human = try await ws.run(["status", "-d", db.url, "--format", "golang-migrate"])
                #expect(human.exitCode == 0 && human.stdout.contains("layout: golang-migrate, chosen with --format"), "\(human)")
                let noPlan = try await ws.run(["up", "-d", db.url, "--dir", dir, "--format", "sqitch"])
                #expect(noPlan.exitCode == 5 && noPlan.stderr.contains("sqitch.plan"), "\(noPlan)")
                let bad = try await ws.run(["up", "-d", db.url, "--format", "liquibase"])
                #expect(bad.exitCode == 2 && bad.stderr.contains("unknown migrations format"), "\(bad)")
                #expect(try await db.userTables().isEmpty)
            }
        }
    }
}

@Suite("CLI on PostgreSQL: strata convert --to strata", .enabled(if: TestEnvironment.postgresEnabled))
struct ConvertCommandTests {
    @Test("every fixture converts; the new folder builds the same schema; a database migrated from the old folder sees kept checksums as applied",
          arguments: ForeignFormatTests.cases)
    func convert(_ c: ForeignFormatTests.Case) async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { old in
                try await CLITestDatabase.with { fresh in
                    let env = ["GOOSE_FIXTURE_OWNER": "team data"]
                    let dir = fixture(c.path), out = ws.directory.appendingPathComponent("converted").path
                    let conv = try await ws.run(["convert", "--to", "strata", out, "--dir", dir, "--json"], environment: env)
                    #expect(conv.exitCode == 0, "\(conv)")
                    let report = try jsonObject(conv.stdout)
                    let items = report["migrations"] as? [[String: Any]] ?? []
                    #expect(report["from"] as? String == c.format && items.count == c.count, "\(report)")

                    #expect(try await ws.run(["up", "-d", old.url, "--dir", dir], environment: env).exitCode == 0)
                    let up = try await ws.run(["up", "-d", fresh.url, "--dir", out])
                    #expect(up.exitCode == 0, "\(up)")
                    #expect(try await schema(fresh) == (try await schema(old)))

                    let status = try jsonObject(try await ws.run(["status", "--json", "-d", old.url, "--dir", out]).stdout)
                    #expect(status["format"] as? String == "strata")
                    let states = Dictionary(uniqueKeysWithValues: (status["migrations"] as? [[String: Any]] ?? []).compactMap { m in
                        (m["version"] as? String).map { ($0, m["state"] as? String ?? "") }
                    })
                    for item in items {
                        let version = item["version"] as? String ?? "", kept = item["checksum_kept"] as? Bool ?? false
                        // A repeatable whose checksum changed is simply pending: the next `up` runs it again.
                        let changed = version.hasPrefix("R__") ? "pending" : "changed"
                        #expect(states[version] == (kept ? "applied" : changed), "\(version): \(item) \(states)")
                    }
                    let again = try await ws.run(["convert", "--to", "strata", out, "--dir", dir], environment: env)
                    #expect(again.exitCode == 2 && again.stderr.contains("is not empty"), "\(again)")
                }
            }
        }
    }
}

@Suite("CLI: strata new in other tools' folders")
struct ForeignNewTests {
    @Test("new writes the tool's own kind of file; the folder keeps its layout and gains one pending migration", arguments: [
        ("goose", "goose", "_add_widgets.sql"), ("golang-migrate", "golang-migrate", "_add_widgets.up.sql"), ("dbmate", "dbmate", "_add_widgets.sql"),
        ("diesel/migrations", "diesel", "_add_widgets/up.sql"), ("flyway/sql", "flyway", "__add_widgets.sql"), ("sqitch", "sqitch", "deploy/add_widgets.sql"),
    ])
    func new(path: String, format: String, suffix: String) async throws {
        try await CLIWorkspace.with { ws in
            let fm = FileManager.default
            try fm.copyItem(atPath: fixture(path), toPath: ws.directory.appendingPathComponent("migrations").path)
            for extra in ["diesel/diesel.toml", "flyway/flyway.toml", "flyway/flyway.conf"] where extra.hasPrefix(path.split(separator: "/")[0] + "/") {
                try fm.copyItem(atPath: fixture(extra), toPath: ws.directory.appendingPathComponent(String(extra.split(separator: "/")[1])).path)
            }
            let env = ["GOOSE_FIXTURE_OWNER": "team data"]
            let before = try jsonObject(try await ws.run(["status", "--json"], environment: env).stdout)["migrations"] as? [[String: Any]] ?? []
            let new = try await ws.run(["new", "add widgets", "--json"], environment: env)
            #expect(new.exitCode == 0, "\(new)")
            let json = try jsonObject(new.stdout)
            let files = (json["files"] as? String ?? "").split(separator: ",").map(String.init)
            #expect(json["format"] as? String == format && files.contains { $0.hasSuffix(suffix) }, "\(json)")
            if format == "diesel", let up = files.first(where: { $0.hasSuffix("/up.sql") }) {
                try ws.write(up, "CREATE TABLE widgets (id int);\n")  // diesel refuses an empty up.sql, as Strata does
            }
            let status = try await ws.run(["status", "--json"], environment: env)
            let after = try jsonObject(status.stdout)
            #expect(after["format"] as? String == format, "\(status)")
            let migrations = after["migrations"] as? [[String: Any]] ?? []
            #expect(migrations.count == before.count + 1, "\(status)")
            #expect(migrations.contains { ($0["version"] as? String) == (json["version"] as? String) && $0["state"] as? String == "pending" }, "\(status)")
        }
    }

    @Test("drizzle folders are refused: drizzle-kit writes its own migrations and snapshots")
    func drizzle() async throws {
        try await CLIWorkspace.with { ws in
            try FileManager.default.copyItem(atPath: fixture("drizzle"), toPath: ws.directory.appendingPathComponent("migrations").path)
            let r = try await ws.run(["new", "add_widgets"])
            #expect(r.exitCode == 2 && r.stderr.contains("drizzle-kit generate"), "\(r)")
        }
    }

    @Test("--layout and --no-transaction shape Strata's own files: refused in a goose folder, nothing written")
    func strataOptionsRefused() async throws {
        try await CLIWorkspace.with { ws in
            try FileManager.default.copyItem(atPath: fixture("goose"), toPath: ws.directory.appendingPathComponent("migrations").path)
            let before = try FileManager.default.contentsOfDirectory(atPath: ws.directory.appendingPathComponent("migrations").path).sorted()
            for extra in [["--layout", "pair"], ["--no-transaction"]] {
                let r = try await ws.run(["new", "x"] + extra)
                #expect(r.exitCode == 2 && r.stderr.contains("shape Strata's own files") && r.stderr.contains("goose's layout"), "\(r)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: ws.directory.appendingPathComponent("migrations").path).sorted() == before)
        }
    }
}
