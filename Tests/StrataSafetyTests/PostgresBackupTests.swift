// PostgresBackupEngine through BackupService (one fresh database per test): pg_dump -Fc backups restored
// over a database that changed since give back a byte-identical schema dump and identical rows; a restore
// that fails half-way changes nothing.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety
import StrataTestSupport

private let richSchema = [
    "CREATE SCHEMA app",
    "COMMENT ON SCHEMA app IS 'the application'",
    "CREATE TABLE app.accounts (id bigserial PRIMARY KEY, email text UNIQUE NOT NULL, balance numeric(12,2) DEFAULT 0, touched timestamptz)",
    "CREATE TABLE orders (id serial PRIMARY KEY, account_id bigint REFERENCES app.accounts (id), payload jsonb, tags text[], raw bytea)",
    "CREATE INDEX orders_by_account ON orders (account_id)",
    "CREATE VIEW big_orders AS SELECT o.id, a.email FROM orders o JOIN app.accounts a ON a.id = o.account_id WHERE o.id > 1",
    "CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := '2020-01-01'; RETURN NEW; END $$",
    "CREATE TRIGGER accounts_touch BEFORE UPDATE ON app.accounts FOR EACH ROW EXECUTE FUNCTION app.touch()",
    "CREATE TYPE mood AS ENUM ('ok', 'sad')",
    "CREATE TABLE moods (m mood, at date)",
    "COMMENT ON TABLE app.accounts IS 'accounts'",
    "INSERT INTO app.accounts (email, balance) VALUES ('a@x', 10.5), ('b@x', 0), ('c@x', NULL)",
    "DELETE FROM app.accounts WHERE email = 'c@x'",
    "INSERT INTO orders (account_id, payload, tags, raw) VALUES (1, '{\"k\": [1, 2]}', '{x,y}', '\\x00ff'), (2, NULL, '{}', NULL), (1, '\"s\"', NULL, '')",
    "INSERT INTO moods VALUES ('ok', '2024-02-29'), ('sad', NULL)",
]

private func service(_ target: PostgresTarget, _ dir: SafetyTempDir) -> BackupService {
    BackupService(target: .postgres(target), makeDriver: { Drivers.driver(for: $0) }, directory: dir.file("backups"))
}

@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct PostgresBackupTests {
    @Test func roundTripRestoresSchemaAndDataExactly() async throws {
        let dir = try SafetyTempDir("pg-backup")
        defer { dir.remove() }
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let target = try db.postgresTarget()
            try await db.exec(richSchema)
            let schemaBefore = try await PostgresDumps.schema(target)
            let dataBefore = try await PostgresDumps.data(target)
            let countsBefore = try await PostgresDumps.rowCounts(db)
            #expect(schemaBefore.contains("CREATE TABLE app.accounts"))

            let backups = service(target, dir)
            let entry = try await backups.take(kind: "pre-migration", environment: "production", fromVersion: "0004", runID: nil, strataVersion: StrataVersion.current)
            let m = entry.manifest
            #expect(m.engine == "postgres")
            #expect(m.file.hasPrefix("pre-migration-production-") && m.file.hasSuffix("-v0004.dump"))
            #expect(m.tool == "pg_dump (PostgreSQL) 15")
            #expect(PostgresTools.majorVersion(fromServerVersion: m.serverVersion) == 15, "\(m.serverVersion)")
            #expect(!m.database.contains(target.password ?? "\u{0}"), "the manifest names the database without its password")
            #expect(m.database.contains("/" + (target.database ?? "?")), "\(m.database)")
            #expect(try permissions(entry.backupPath) == 0o600)
            let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: entry.backupPath)).read(upToCount: 5)
            #expect(head.map { String(decoding: $0, as: UTF8.self) } == "PGDMP", "a custom-format dump")

            // The database moves on: a new schema and table, a dropped table and view, changed rows and sequences.
            try await db.exec([
                "CREATE SCHEMA extra",
                "CREATE TABLE extra.t (id int PRIMARY KEY, v text)",
                "INSERT INTO extra.t VALUES (1, 'new')",
                "DROP VIEW big_orders",
                "DROP TABLE moods",
                "DROP TYPE mood",
                "ALTER TABLE orders ADD COLUMN later int",
                "UPDATE app.accounts SET balance = 99",
                "INSERT INTO app.accounts (email) VALUES ('d@x')",
                "DELETE FROM orders WHERE id = 2",
                "CREATE TABLE public.added (id int)",
            ])
            #expect(try await PostgresDumps.schema(target) != schemaBefore)

            try await backups.restore(entry)
            #expect(try await PostgresDumps.schema(target) == schemaBefore)
            #expect(try await PostgresDumps.data(target) == dataBefore)
            #expect(try await PostgresDumps.rowCounts(db) == countsBefore)
            // Sequences continue where they were at the backup.
            try await db.exec(["INSERT INTO app.accounts (email) VALUES ('e@x')"])
            #expect(try await db.value("SELECT id FROM app.accounts WHERE email = 'e@x'") == "4")
        }
    }

    /// A dump that passes the integrity check but cannot be replayed (it gives a table to a role that no
    /// longer exists): psql stops after the database was emptied, and the single transaction undoes it all.
    @Test func restoreThatFailsHalfWayChangesNothing() async throws {
        let dir = try SafetyTempDir("pg-halfway")
        defer { dir.remove() }
        let role = "strata_r_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let target = try db.postgresTarget()
            try await db.exec(["CREATE ROLE \(role)", "CREATE TABLE owned (id int)", "ALTER TABLE owned OWNER TO \(role)", "CREATE TABLE kept (id int)",
                               "INSERT INTO kept VALUES (1)"])
            let backups = service(target, dir)
            let entry = try await backups.take(kind: "manual", environment: "test", fromVersion: nil, runID: nil, strataVersion: "test")
            try await db.exec(["DROP TABLE owned", "DROP ROLE \(role)", "INSERT INTO kept VALUES (2)", "CREATE TABLE later (id int)"])
            let schemaBefore = try await PostgresDumps.schema(target)
            let dataBefore = try await PostgresDumps.data(target)
            do {
                try await backups.restore(entry)
                Issue.record("a dump naming a missing role was restored")
            } catch let e as ExternalCommandError {
                #expect(e.message.contains(role), "\(e)")
            }
            #expect(try await PostgresDumps.schema(target) == schemaBefore)
            #expect(try await PostgresDumps.data(target) == dataBefore)
        }
        _ = try? await PostgresServer.withSession { try await $0.execute("DROP ROLE IF EXISTS \(role)") }
    }

    @Test func damagedDumpIsRefused() async throws {
        let dir = try SafetyTempDir("pg-damaged")
        defer { dir.remove() }
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let target = try db.postgresTarget()
            try await db.exec(["CREATE TABLE t (id int)", "INSERT INTO t VALUES (1)"])
            let backups = service(target, dir)
            let entry = try await backups.take(kind: "manual", environment: "test", fromVersion: nil, runID: nil, strataVersion: "test")
            try await db.exec(["INSERT INTO t VALUES (2)"])
            var bytes = try Data(contentsOf: URL(fileURLWithPath: entry.backupPath))
            bytes[bytes.count - 10] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: entry.backupPath))
            await #expect(throws: SafetyError.self) { try await backups.restore(entry) }
            #expect(try await db.value("SELECT count(*) FROM t") == "2")
        }
    }
}
