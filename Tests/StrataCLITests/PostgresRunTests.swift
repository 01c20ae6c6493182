import Foundation
import StrataKit
import StrataTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Zero-padded version for generated migrations.
func version(_ i: Int) -> String { String(format: "%04d", i) }

extension CLIWorkspace {
    /// Migrations `0001_t1` … `NNNN_tN`, each a table and an index.
    func tableMigrations(_ count: Int) throws {
        for i in 1...count {
            try migration("\(version(i))_t\(i).sql",
                          up: "CREATE TABLE t\(i) (id integer PRIMARY KEY, v text);\nCREATE INDEX t\(i)_v ON t\(i) (v);",
                          down: "DROP TABLE t\(i);")
        }
    }
}

@Suite("CLI on PostgreSQL: runs", .enabled(if: TestEnvironment.postgresEnabled))
struct PostgresRunTests {
    @Test("200 migrations apply; a second up does nothing; down --to 0 reverts everything")
    func twoHundredMigrations() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.tableMigrations(200)
                let up = try await ws.run(["up", "-d", db.url], limit: .seconds(90))
                #expect(up.exitCode == 0, "\(up)")
                #expect(try await db.scalar("SELECT count(*) FROM strata_migrations WHERE state = 'applied'") == "200")
                #expect(try await db.userTables().count == 200)
                #expect(try await db.relationExists("t200_v"))

                let again = try await ws.run(["up", "-d", db.url])
                #expect(again.exitCode == 0, "\(again)")
                #expect(again.stdout.contains("Nothing to do"), "\(again)")
                #expect(try await db.scalar("SELECT count(*) FROM strata_events") == "200")

                let down = try await ws.run(["down", "--to", "0", "-d", db.url], limit: .seconds(90))
                #expect(down.exitCode == 0, "\(down)")
                #expect(try await db.userTables() == [])
                #expect(try await db.scalar("SELECT count(*) FROM strata_migrations") == "0")
                #expect(try await db.scalar("SELECT count(*) FROM strata_events WHERE direction = 'down' AND outcome = 'ok'") == "200")
            }
        }
    }

    @Test("8 concurrent up runs on one database apply each of 30 migrations exactly once")
    func concurrentRunners() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.tableMigrations(30)
                let processes = try (0..<8).map { _ in try ws.start(["up", "-d", db.url, "--lock-wait", "60s"]) }
                var results: [CLIResult] = []
                for p in processes { results.append(try await p.wait(limit: .seconds(90))) }
                for r in results { #expect(r.exitCode == 0, "\(r)") }
                let applyLines = results.flatMap { $0.stdout.split(separator: "\n").filter { $0.contains("✓") } }
                #expect(applyLines.count == 30, "each migration is reported applied once in all: \(applyLines)")
                #expect(try await db.scalar("SELECT count(*) FROM strata_migrations WHERE state = 'applied'") == "30")
                #expect(try await db.scalar("SELECT count(*) FROM strata_events WHERE direction = 'up' AND outcome = 'ok'") == "30")
                #expect(try await db.scalar("SELECT count(DISTINCT version) FROM strata_events") == "30")
                #expect(try await db.userTables().count == 30)
            }
        }
    }

    @Test("a migration whose third statement fails: exit 1 naming the file and statement; rolled back")
    func thirdStatementFails() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.migration("0001_accounts.sql", up: "CREATE TABLE accounts (id integer PRIMARY KEY);", down: "DROP TABLE accounts;")
                try ws.migration("0002_orders.sql", up: """
                    CREATE TABLE orders (id integer PRIMARY KEY, account integer REFERENCES accounts);
                    CREATE INDEX orders_account ON orders (account);
                    INSERT INTO no_such_table VALUES (1);
                    CREATE TABLE never_reached (id integer);
                    """, down: "DROP TABLE orders;")
                try ws.migration("0003_later.sql", up: "CREATE TABLE later (id integer);", down: "DROP TABLE later;")
                let r = try await ws.run(["up", "-d", db.url])
                #expect(r.exitCode == 1, "\(r)")
                #expect(r.stderr.contains("migrations/0002_orders.sql"), "\(r)")
                #expect(r.stderr.contains("statement 3"), "\(r)")
                #expect(r.stderr.contains("no_such_table"), "\(r)")
                for name in ["orders", "orders_account", "never_reached", "later"] {
                    #expect(!(try await db.relationExists(name)), "\(name) exists")
                }
                #expect(try await db.relationExists("accounts"))
                #expect(try await db.appliedVersions() == ["0001"])
                #expect(try await db.scalar("SELECT outcome FROM strata_events WHERE version = '0002'") == "rolled_back")
            }
        }
    }

    @Test("--dry-run prints the SQL and leaves the database untouched")
    func dryRun() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.tableMigrations(2)
                let r = try await ws.run(["up", "--dry-run", "-d", db.url])
                #expect(r.exitCode == 0, "\(r)")
                let lines = r.stdout.split(separator: "\n").map(String.init)
                #expect(lines.contains { $0.hasPrefix("CREATE TABLE") && $0.contains("strata_migrations") }, "\(r)")
                // Each migration is one batch: a DO block running its statements and the history write in order.
                #expect(lines.filter { $0 == "DO $strata_batch$" }.count == 2, "\(r)")
                #expect(lines.filter { $0 == "$strata_batch$;" }.count == 2, "\(r)")
                #expect(lines.contains("CREATE TABLE t1 (id integer PRIMARY KEY, v text)"), "\(r)")
                #expect(lines.contains("CREATE INDEX t2_v ON t2 (v)"), "\(r)")
                #expect(lines.filter { $0.contains("INSERT INTO \"public\".\"strata_migrations\"") }.count == 2, "\(r)")
                #expect(!(try await db.relationExists("strata_migrations")))
                #expect(!(try await db.relationExists("strata_events")))
                #expect(try await db.userTables() == [])
            }
        }
    }

    @Test("a runner waiting for the lock does not block CREATE INDEX CONCURRENTLY in the holder")
    func lockWaiterAndConcurrentIndex() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.migration("0001_items.sql", up: """
                    CREATE TABLE items (id integer PRIMARY KEY, v text);
                    INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
                    """, down: "DROP TABLE items;")
                try #require(try await ws.run(["up", "-d", db.url]).exitCode == 0)
                try ws.migration("0002_items_index.sql", up: """
                    -- strata:no-transaction
                    SELECT pg_sleep(4);
                    CREATE INDEX CONCURRENTLY items_v ON items (v);
                    CREATE INDEX CONCURRENTLY items_v_id ON items (v, id);
                    """, down: "DROP INDEX items_v_id;\nDROP INDEX items_v;")

                let clock = ContinuousClock()
                let start = clock.now
                let a = try ws.start(["up", "-d", db.url])
                // Start B once A holds the lock and is inside its migration.
                let sleeping = try await eventually(within: .seconds(20)) {
                    try await db.isRunning("SELECT pg_sleep(4)")
                }
                try #require(sleeping, "run A never reached its migration: \(a.stderrSoFar)")
                let b = try ws.start(["up", "--lock-wait", "60s", "-d", db.url])
                let resultA = try await a.wait(limit: .seconds(30))
                let resultB = try await b.wait(limit: .seconds(30))
                let total = clock.now - start
                #expect(resultA.exitCode == 0, "\(resultA)")
                #expect(resultB.exitCode == 0, "\(resultB)")
                #expect(total < .seconds(30), "both runs took \(total)")
                #expect(resultB.stderr.lowercased().contains("lock"), "B should say it waits for the lock: \(resultB)")
                #expect(resultB.stdout.contains("Nothing to do"), "\(resultB)")
                for index in ["items_v", "items_v_id"] {
                    #expect(try await db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('\(index)')") == "true", "\(index)")
                }
                #expect(try await db.appliedVersions() == ["0001", "0002"])
                #expect(try await db.scalar("SELECT state FROM strata_migrations WHERE version = '0002'") == "applied")
            }
        }
    }

    @Test("a lock held past --lock-wait: exit 4 naming the holder, nothing applied by the waiter")
    func lockNotAcquired() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.migration("0001_slow.sql", up: "SELECT pg_sleep(30);", down: "SELECT 1;")
                let holder = try ws.start(["up", "-d", db.url])
                let running = try await eventually(within: .seconds(20)) {
                    try await db.isRunning("SELECT pg_sleep(30)")
                }
                try #require(running, "the holder never started its migration: \(holder.stderrSoFar)")
                let waiter = try await ws.run(["up", "--lock-wait", "1s", "-d", db.url], limit: .seconds(20))
                holder.send(SIGTERM)
                let held = try await holder.wait(limit: .seconds(10))
                #expect(waiter.exitCode == 4, "\(waiter)")
                #expect(waiter.stderr.contains("lock") && waiter.stderr.contains("held by strata"), "\(waiter)")
                #expect(held.exitCode == 143, "\(held)")
                #expect(try await db.appliedVersions() == [])
            }
        }
    }

    @Test("a no-transaction migration failing part-way is dirty: the next up refuses (exit 5) until repaired")
    func dirtyMigration() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try ws.migration("0001_events.sql", up: """
                    -- strata:no-transaction
                    CREATE TABLE events (id integer);
                    CREATE INDEX CONCURRENTLY events_id ON events (id);
                    SELECT 1/0;
                    """, down: "DROP TABLE events;")
                try ws.migration("0002_after.sql", up: "CREATE TABLE after_events (id integer);", down: "DROP TABLE after_events;")
                let failed = try await ws.run(["up", "-d", db.url])
                #expect(failed.exitCode == 1, "\(failed)")
                #expect(failed.stderr.contains("statement 3") && failed.stderr.contains("dirty"), "\(failed)")
                #expect(try await db.scalar("SELECT state || ':' || failed_statement FROM strata_migrations WHERE version = '0001'") == "dirty:3")

                let refused = try await ws.run(["up", "-d", db.url])
                #expect(refused.exitCode == 5, "\(refused)")
                #expect(refused.stderr.contains("strata repair 0001"), "\(refused)")
                #expect(!(try await db.relationExists("after_events")))
                let status = try jsonObject(try await ws.run(["status", "--json", "-d", db.url]).stdout)
                let first = (status["migrations"] as? [[String: Any]])?.first
                #expect(first?["state"] as? String == "dirty" && first?["failed_statement"] as? Int == 3, "\(status)")

                try await db.execute("DROP TABLE events")
                let repair = try await ws.run(["repair", "0001", "--as", "pending", "-d", db.url])
                #expect(repair.exitCode == 0, "\(repair)")
                try ws.migration("0001_events.sql", up: """
                    -- strata:no-transaction
                    CREATE TABLE events (id integer);
                    CREATE INDEX CONCURRENTLY events_id ON events (id);
                    """, down: "DROP TABLE events;")
                let fixed = try await ws.run(["up", "-d", db.url])
                #expect(fixed.exitCode == 0, "\(fixed)")
                #expect(try await db.appliedVersions() == ["0001", "0002"])
                #expect(try await db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('events_id')") == "true")
            }
        }
    }

}
