import Foundation
import StrataKit
import StrataTestSupport
import Synchronization
import Testing

/// A migration batched in its own transaction commits implicitly, after the server has answered its statement, and
/// postgres-nio reads an error at that COMMIT as a protocol error (the statement reported done, the connection
/// closed). These tests check that what can fail at COMMIT fails before it, as the migration's own failure.
@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct PostgresCommitErrorTests {
    /// Runs `files` up; the failure (or nil) and the progress events as `started 1`, `finished 1`, `failed 2`….
    func up(_ db: DriverTestDatabase, _ files: [String: String]) async throws -> (failure: MigrationFailure?, events: [String]) {
        let events = Mutex<[String]>([])
        do {
            _ = try await PG.migrator(db).run(.up(to: nil), migrations: try await PG.migrations(files), options: PG.options(lockWait: .seconds(30))) { event in
                switch event {
                case .stepStarted(let index, _, _): events.withLock { $0.append("started \(index)") }
                case .stepFinished(let index, _, _, _): events.withLock { $0.append("finished \(index)") }
                case .stepFailed(let index, _, _, _): events.withLock { $0.append("failed \(index)") }
                default: break
                }
            }
            return (nil, events.withLock { $0 })
        } catch let f as MigrationFailure {
            return (f, events.withLock { $0 })
        }
    }

    /// The SQL `--dry-run` prints for `files`.
    func dryRun(_ db: DriverTestDatabase, _ files: [String: String]) async throws -> String {
        var options = PG.options(lockWait: .seconds(30))
        options.dryRun = true
        let report = try await PG.migrator(db).run(.up(to: nil), migrations: try await PG.migrations(files), options: options)
        return (report.sql ?? []).joined(separator: "\n")
    }

    static let tables = "-- strata:up\nCREATE TABLE p (id integer PRIMARY KEY);\nCREATE TABLE ch (pid integer REFERENCES p DEFERRABLE INITIALLY DEFERRED);\n"
    static let orphan = "-- strata:up\nINSERT INTO ch VALUES (42);\nCREATE TABLE also_rolled_back (id integer);\n"
    static let after = "-- strata:up\nCREATE TABLE after_orphan (id integer);\n"

    func expectOrphanFailed(_ r: (failure: MigrationFailure?, events: [String]), _ db: DriverTestDatabase, applied: String, events: [String]) async throws {
        let f = try #require(r.failure)
        #expect(f.version.digits == "0002")
        #expect(f.sqlState == "23503")
        #expect(f.cause.contains("while recording the migration and committing"), "\(f.cause)")
        #expect(r.events == events)
        #expect(try await db.tables() == ["ch", "p", "strata_events", "strata_migrations"])
        #expect(try await PG.value(db, "SELECT string_agg(version, ',' ORDER BY version) FROM strata_migrations") == applied)
        #expect(try await PG.value(db, "SELECT outcome FROM strata_events WHERE version = '0002'") == "rolled_back")
    }

    @Test("a deferred constraint created in the same run fails its migration, which is reported and rolled back; the run stops")
    func deferredConstraintOfThisRun() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let r = try await up(db, ["0001_tables.sql": Self.tables, "0002_orphan.sql": Self.orphan, "0003_after.sql": Self.after])
            try await expectOrphanFailed(r, db, applied: "0001", events: ["started 1", "finished 1", "started 2", "failed 2"])
        }
    }

    @Test("a deferred constraint already in the database fails the migration that breaks it")
    func deferredConstraintInTheDatabase() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            _ = try await up(db, ["0001_tables.sql": Self.tables])
            let r = try await up(db, ["0001_tables.sql": Self.tables, "0002_orphan.sql": Self.orphan, "0003_after.sql": Self.after])
            try await expectOrphanFailed(r, db, applied: "0001", events: ["started 1", "failed 1"])
        }
    }

    @Test("deferred constraints are checked in the batch only where deferrable constraints exist")
    func deferredCheckOnlyWhenNeeded() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            let plain = try await dryRun(db, ["0001_a.sql": "-- strata:up\nCREATE TABLE a (id integer);\n"])
            #expect(plain.contains("DO $strata_batch$") && !plain.contains("SET CONSTRAINTS"))
            let deferrable = try await dryRun(db, ["0001_tables.sql": Self.tables])
            #expect(deferrable.contains("SET CONSTRAINTS ALL IMMEDIATE"))
        }
    }

    @Test("with serializable transactions by default, migrations go statement by statement, each with its own COMMIT")
    func serializableSessionsDoNotBatch() async throws {
        try await DriverTestDatabase.with(PG.make) { db in
            try await PG.setForDatabase(db, "default_transaction_isolation = serializable")
            let files = ["0001_a.sql": "-- strata:up\nCREATE TABLE a (id integer);\n", "0002_b.sql": "-- strata:up\nCREATE TABLE b (id integer);\n"]
            let sql = try await dryRun(db, files)
            #expect(!sql.contains("DO $strata_batch$") && sql.contains("COMMIT"))
            let r = try await up(db, files)
            #expect(r.failure == nil)
            #expect(try await PG.value(db, "SELECT string_agg(version, ',' ORDER BY version) FROM strata_migrations") == "0001,0002")
        }
    }
}
