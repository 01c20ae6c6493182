import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// Session state a migration leaves behind must not change where Strata writes or how later migrations run.
@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct PostgresSessionStateTests {
    func migrator(_ db: DriverTestDatabase) -> Migrator {
        Migrator(driver: db.driver, migrationsTable: QualifiedName(schema: nil, name: "strata_migrations"),
                 eventsTable: QualifiedName(schema: nil, name: "strata_events"), context: RunContext(strataVersion: StrataVersion.current))
    }

    func options(singleTransaction: Bool = false) -> RunOptions {
        var o = RunOptions()
        o.singleTransaction = singleTransaction
        o.lockWait = .seconds(30)
        return o
    }

    /// The history tables of a first run are created with a commit that does not wait for the disk; the setting
    /// ends with that transaction, so the migrations after it commit durably.
    @Test(arguments: [false, true])
    func firstRunCommitsMigrationsDurably(singleTransaction: Bool) async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            // (The test cluster runs with synchronous_commit off: this database's sessions get it on.)
            try await PG.setForDatabase(db, "synchronous_commit = on")
            let migrations = try await InMemorySource(files: [
                "0001_sc.sql": "-- strata:up\nCREATE TABLE sc AS SELECT current_setting('synchronous_commit') AS v;\n",
            ]).migrations()
            _ = try await migrator(db).run(.up(to: nil), migrations: migrations, options: options(singleTransaction: singleTransaction))
            #expect(try await PG.value(db, "SELECT v FROM sc") == "on")
        }
    }

    /// A `pg_dump --schema-only` file empties `search_path` for the session; the history rows still land in `public`.
    @Test func migrationThatEmptiesSearchPathStillRecordsHistory() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrations = try await InMemorySource(files: [
                "0001_dump.sql": """
                    -- strata:up
                    SELECT pg_catalog.set_config('search_path', '', false);
                    CREATE TABLE public.dumped (id integer);
                    """,
                "0002_next.sql": "-- strata:up\nCREATE TABLE public.next_one (id integer);\n",
            ]).migrations()
            let report = try await migrator(db).run(.up(to: nil), migrations: migrations, options: options())
            #expect(report.steps.count == 2)
            #expect(try await db.tableExists(QualifiedName(schema: "public", name: "strata_migrations")))
            let status = try await migrator(db).status(migrations: migrations)
            #expect(status.statuses.map(\.state) == [.applied, .applied])
        }
    }

    /// A migration creating a schema named after the user changes `current_schema()` for later sessions
    /// (`search_path` is `"$user", public`); the history must still be found where it is.
    @Test func historyIsFoundWhereItIsAfterSearchPathChanges() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let first = try await InMemorySource(files: ["0001_schema.sql": "-- strata:up\nCREATE SCHEMA postgres;\n"]).migrations()
            _ = try await migrator(db).run(.up(to: nil), migrations: first, options: options())
            let both = try await InMemorySource(files: [
                "0001_schema.sql": "-- strata:up\nCREATE SCHEMA postgres;\n",
                "0002_more.sql": "-- strata:up\nCREATE TABLE public.more (id integer);\n",
            ]).migrations()
            #expect(try await migrator(db).status(migrations: both).statuses.map(\.state) == [.applied, .pending])
            let report = try await migrator(db).run(.up(to: nil), migrations: both, options: options())
            #expect(report.steps.map(\.version.digits) == ["0002"])
            #expect(try await db.tableExists(QualifiedName(schema: "postgres", name: "strata_migrations")) == false)
        }
    }

    /// In one `--single-transaction` run, one file's `-- strata:timeout` must not apply to the next file.
    @Test(.timeLimit(.minutes(1)))
    func perFileTimeoutDoesNotLeakInSingleTransaction() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrations = try await InMemorySource(files: [
                "0001_quick.sql": "-- strata:up\n-- strata:timeout 500ms\nCREATE TABLE quick (id integer);\n",
                "0002_slow.sql": "-- strata:up\nSELECT pg_sleep(1.2);\nCREATE TABLE slow (id integer);\n",
            ]).migrations()
            let report = try await migrator(db).run(.up(to: nil), migrations: migrations, options: options(singleTransaction: true))
            #expect(report.steps.map(\.version.digits) == ["0001", "0002"])
        }
    }

    /// A no-transaction `down` that fails part-way is dirty in the down direction, and the advice says so.
    @Test func dirtyDownGivesDownAdvice() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrations = try await InMemorySource(files: [
                "0001_two.sql": """
                    -- strata:up
                    CREATE TABLE a (id integer);
                    CREATE TABLE b (id integer);
                    -- strata:down
                    -- strata:no-transaction
                    DROP TABLE b;
                    DROP TABLE no_such_table;
                    DROP TABLE a;
                    """,
            ]).migrations()
            _ = try await migrator(db).run(.up(to: nil), migrations: migrations, options: options())
            let failure = await #expect(throws: MigrationFailure.self) {
                try await migrator(db).run(.down(steps: 1, to: nil), migrations: migrations, options: options())
            }
            #expect(failure?.dirty == true)
            #expect(failure?.statementIndex == 2)
            #expect(failure?.description.contains("--as pending` if you completed the revert") == true)
            let planError = await #expect(throws: PlanError.self) {
                try await migrator(db).run(.up(to: nil), migrations: migrations, options: options())
            }
            #expect(planError.map { "\($0)" }?.contains("statement 2 of its down section failed") == true)
            #expect(planError.map { "\($0)" }?.contains("--as pending` if you completed the revert") == true)
        }
    }
}
