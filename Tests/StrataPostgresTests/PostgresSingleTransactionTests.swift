import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// A `--single-transaction` run writes its history after the last migration: when that write fails, the error says
/// so (no migration is blamed) and the whole run is rolled back.
@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct PostgresSingleTransactionTests {
    @Test("a failing history write rolls back the whole run and blames no migration")
    func historyWriteFailure() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let migrator = Migrator(driver: db.driver, migrationsTable: QualifiedName(schema: nil, name: "strata_migrations"),
                                    eventsTable: QualifiedName(schema: nil, name: "strata_events"),
                                    context: RunContext(strataVersion: StrataVersion.current))
            // The second migration makes any insert into the history fail (inside the run's transaction only).
            let migrations = try await InMemorySource(files: [
                "0001_t.sql": "-- strata:up\nCREATE TABLE t (id integer);\n-- strata:down\nDROP TABLE t;\n",
                "0002_refuse.sql": """
                    -- strata:up
                    CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'history is closed'; END $$;
                    CREATE TRIGGER refuse BEFORE INSERT ON strata_migrations FOR EACH ROW EXECUTE FUNCTION refuse();
                    -- strata:down
                    DROP TRIGGER refuse ON strata_migrations;
                    DROP FUNCTION refuse();
                    """,
            ]).migrations()
            var options = RunOptions()
            options.singleTransaction = true
            options.lockWait = .seconds(30)
            let error = try await #require(throws: HistoryWriteError.self) {
                try await migrator.run(.up(to: nil), migrations: migrations, options: options)
            }
            #expect(error.description.contains("history is closed"), "\(error)")
            #expect(error.description.contains("rolled back"))
            let left = try await db.driver.withSession { s in
                try await s.query("SELECT (SELECT count(*) FROM strata_migrations), to_regclass('t') IS NULL, to_regproc('refuse') IS NULL")
            }.first
            #expect(left?[0] == "0" && left?[1] == "true" && left?[2] == "true", "\(String(describing: left))")
        }
    }
}
