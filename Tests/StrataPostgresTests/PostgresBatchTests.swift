import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// On PostgreSQL a transactional migration travels as one `DO` block (one round trip). These tests check that it
/// behaves, and fails, exactly as the same statements sent one by one.
@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct PostgresBatchTests {
    func migrator(_ db: DriverTestDatabase) -> Migrator {
        Migrator(driver: db.driver, migrationsTable: QualifiedName(schema: nil, name: "strata_migrations"),
                 eventsTable: QualifiedName(schema: nil, name: "strata_events"), context: RunContext(strataVersion: StrataVersion.current))
    }

    func options(batch: Bool = true, singleTransaction: Bool = false, dryRun: Bool = false) -> RunOptions {
        var o = RunOptions()
        o.batchStatements = batch
        o.singleTransaction = singleTransaction
        o.dryRun = dryRun
        o.lockWait = .seconds(30)
        return o
    }

    /// The failure a run throws, or nil when it succeeds.
    func failure(_ db: DriverTestDatabase, _ files: [String: String], batch: Bool, singleTransaction: Bool = false) async throws -> MigrationFailure? {
        let migrations = try await InMemorySource(files: files).migrations()
        do {
            _ = try await migrator(db).run(.up(to: nil), migrations: migrations, options: options(batch: batch, singleTransaction: singleTransaction))
            return nil
        } catch let f as MigrationFailure {
            return f
        }
    }

    static let failing = """
        -- strata:up
        CREATE TABLE first (id integer PRIMARY KEY);
        INSERT INTO first VALUES (1);
        SELECT id,
               no_such_column
          FROM first;
        CREATE TABLE never (id integer);
        """

    @Test("a failing statement is named, with its line, as when statements are sent one by one", arguments: [false, true])
    func failureNamesTheStatement(singleTransaction: Bool) async throws {
        var seen: [MigrationFailure] = []
        for batch in [true, false] {
            try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
                let f = try #require(try await failure(db, ["0001_fails.sql": Self.failing], batch: batch, singleTransaction: singleTransaction))
                #expect(f.statementIndex == 3)
                #expect(f.statementCount == 4)
                #expect(f.line == 5, "the error's position points into the statement's second line")
                #expect(f.sqlState == "42703")
                #expect(f.cause.contains("no_such_column"))
                #expect(!f.cause.contains("inline_code_block") && !f.cause.contains("strata_batch"))
                let tables = try await db.tables()
                #expect(tables.allSatisfy { $0.hasPrefix("strata_") }, "nothing of the migration is left: \(tables)")
                #expect(try await PG.value(db, "SELECT count(*) FROM strata_migrations") == "0")
                seen.append(f)
            }
        }
        #expect(seen[0].cause == seen[1].cause)
        #expect(seen[0].line == seen[1].line)
    }

    @Test("statements holding the batch's own quote tags, verify sections and history rows")
    func awkwardStatementsApply() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrations = try await InMemorySource(files: [
                "0001_tags.sql": """
                    -- strata:up
                    CREATE TABLE tags (id integer PRIMARY KEY, t text);
                    INSERT INTO tags VALUES (1, $q$ $strata$ and $strata_batch$ $q$);
                    CREATE FUNCTION tag_count() RETURNS bigint LANGUAGE sql AS $strata$ SELECT count(*) FROM tags $strata$;
                    DO $$ BEGIN PERFORM 1; END $$;
                    -- strata:verify
                    SELECT 1 / (SELECT tag_count())::integer;
                    -- strata:down
                    DROP FUNCTION tag_count();
                    DROP TABLE tags;
                    """,
                "0002_slow.sql": "-- strata:up\nSELECT pg_sleep(0.3);\n-- strata:down\nSELECT 1;\n",
            ]).migrations()
            let report = try await migrator(db).run(.up(to: nil), migrations: migrations, options: options())
            #expect(report.steps.count == 2)
            #expect(try await PG.value(db, "SELECT t FROM tags") == " $strata$ and $strata_batch$ ")
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_migrations WHERE state = 'applied'") == "2")
            let ms = Int(try await PG.value(db, "SELECT duration_ms FROM strata_migrations WHERE version = '0002'") ?? "") ?? -1
            #expect(ms >= 300, "duration_ms is measured by the server inside the batch: \(ms)")
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_events WHERE outcome = 'ok' AND finished_at >= started_at") == "2")
            let down = try await migrator(db).run(.down(steps: 2, to: nil), migrations: migrations, options: options())
            #expect(down.steps.count == 2)
            #expect(try await PG.value(db, "SELECT count(*) FROM strata_migrations") == "0")
        }
    }

    @Test("a failing verify section is reported as the verify statement")
    func verifyFailureInBatch() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let f = try #require(try await failure(db, ["0001_v.sql": """
                -- strata:up
                CREATE TABLE v (id integer);
                -- strata:verify
                SELECT 1;
                SELECT 1 / (SELECT count(*) FROM v)::integer;
                """], batch: true))
            #expect(f.inVerify)
            #expect(f.statementIndex == 2)
            #expect(f.sqlState == "22012")
            #expect(try await PG.value(db, "SELECT to_regclass('v') IS NULL") == "true")
        }
    }

    @Test("what a batch cannot run goes statement by statement: SELECT INTO, SET TRANSACTION, a statement timeout")
    func fallbacks() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrations = try await InMemorySource(files: [
                "0001_into.sql": "-- strata:up\nCREATE TABLE src (id integer);\nINSERT INTO src VALUES (7);\nSELECT id INTO copied FROM src;\n",
                "0002_iso.sql": "-- strata:up\nSET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nCREATE TABLE iso AS SELECT current_setting('transaction_isolation') AS level;\n",
                "0003_timeout.sql": "-- strata:up\n-- strata:timeout 5s\nCREATE TABLE timed AS SELECT current_setting('statement_timeout') AS t;\n",
            ]).migrations()
            let report = try await migrator(db).run(.up(to: nil), migrations: migrations, options: options())
            #expect(report.steps.count == 3)
            #expect(try await PG.value(db, "SELECT id FROM copied") == "7")
            #expect(try await PG.value(db, "SELECT level FROM iso") == "serializable")
            #expect(try await PG.value(db, "SELECT t FROM timed") == "5s")
        }
    }

    @Test("--dry-run prints the batch, which runs as printed")
    func dryRunPrintsTheBatch() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrations = try await InMemorySource(files: ["0001_a.sql": "-- strata:up\nCREATE TABLE a (id integer);\nCREATE INDEX a_id ON a (id);\n"]).migrations()
            let report = try await migrator(db).run(.up(to: nil), migrations: migrations, options: options(dryRun: true))
            let sql = try #require(report.sql)
            let batch = try #require(sql.first { $0.hasPrefix("DO $strata_batch$") })
            #expect(batch.contains("\nCREATE TABLE a (id integer)\n") && batch.contains("\nCREATE INDEX a_id ON a (id)\n"))
            #expect(try await db.tables() == [])
            try await db.driver.withSession { s in
                for statement in sql { try await s.execute(statement) }
            }
            #expect(try await PG.value(db, "SELECT version FROM strata_migrations") == "0001")
            #expect(try await PG.value(db, "SELECT to_regclass('a_id') IS NOT NULL") == "true")
        }
    }
}
