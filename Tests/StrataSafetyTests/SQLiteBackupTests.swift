// BackupService on SQLite files: a backup of a database with every kind of schema object, restored over
// a database that changed since, gives back the same schema text and rows; a restore is all or nothing.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety

/// Tables (one AUTOINCREMENT, one WITHOUT ROWID, one with generated columns), an index, a view, a trigger,
/// foreign keys, NULLs, floats and blobs, and a user_version.
private let richSchema = [
    "CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT UNIQUE)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), total REAL, note BLOB)",
    "CREATE INDEX orders_by_customer ON orders (customer_id, total)",
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT)",
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID",
    "CREATE TABLE lines (id INTEGER PRIMARY KEY, qty INTEGER, price INTEGER, amount INTEGER GENERATED ALWAYS AS (qty * price) STORED, label TEXT AS ('#' || id) VIRTUAL)",
    "CREATE VIEW big_orders AS SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.total > 10",
    "CREATE TRIGGER customers_audit AFTER INSERT ON customers BEGIN INSERT INTO audit (what) VALUES ('new ' || NEW.name); END",
    "INSERT INTO customers (name, email) VALUES ('ann', 'ann@example.com'), ('bob', NULL), ('cy', 'cy@example.com')",
    "DELETE FROM customers WHERE name = 'cy'",
    "INSERT INTO orders (customer_id, total, note) VALUES (1, 12.5, x'00ff10'), (1, 3.25, NULL), (2, 99.0, x'')",
    "INSERT INTO settings VALUES ('mode', 'fast'), ('tz', NULL)",
    "INSERT INTO lines (qty, price) VALUES (2, 300), (5, 7)",
    "PRAGMA user_version = 7",
]

private func takeBackup(_ path: String, into dir: SafetyTempDir) async throws -> (BackupService, BackupCatalog.Entry) {
    let service = BackupService(target: .sqlite(path: path), makeDriver: { Drivers.driver(for: $0) }, directory: dir.file("backups"))
    let entry = try await service.take(kind: "manual", environment: "test", fromVersion: "0002", runID: "run-1", strataVersion: StrataVersion.current)
    return (service, entry)
}

struct SQLiteBackupTests {
    @Test func roundTripRestoresSchemaAndRowsExactly() async throws {
        let dir = try SafetyTempDir("sqlite-backup")
        defer { dir.remove() }
        let db = dir.file("app.sqlite")
        let target = DatabaseTarget.sqlite(path: db)
        try await execute(target, richSchema)
        let before = try await SQLiteSnapshot.of(db)
        #expect(before.tables["sqlite_sequence"] == ["customers | 3"], "AUTOINCREMENT counter past the deleted row")
        #expect(before.tables["audit"]?.count == 3)

        let (service, entry) = try await takeBackup(db, into: dir)
        let m = entry.manifest
        #expect(m.engine == "sqlite")
        #expect(m.file.hasPrefix("manual-test-") && m.file.hasSuffix("-v0002.sqlite"))
        #expect(m.database == "sqlite:\(db)")
        #expect(m.serverVersion.hasPrefix("SQLite 3."))
        #expect(m.sizeBytes == (try FileManager.default.attributesOfItem(atPath: entry.backupPath)[.size] as? NSNumber)?.int64Value)
        #expect(m.sha256 == (try fileDigest(entry.backupPath)))
        #expect(m.runID == "run-1")
        #expect(try permissions(entry.backupPath) == 0o600)
        #expect(try permissions(entry.manifestPath) == 0o600)
        #expect(try await SQLiteSnapshot.of(entry.backupPath) == before, "the backup is a faithful copy")

        try await execute(target, [
            "DROP VIEW big_orders",
            "DROP TABLE orders",
            "CREATE TABLE extra (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)",
            "CREATE INDEX extra_v ON extra (v)",
            "INSERT INTO extra (v) VALUES ('x'), ('y')",
            "DELETE FROM customers WHERE name = 'bob'",
            "INSERT INTO customers (name) VALUES ('dee')",
            "UPDATE settings SET value = 'slow' WHERE key = 'mode'",
            "UPDATE lines SET qty = 100",
            "DROP TRIGGER customers_audit",
            "PRAGMA user_version = 9",
        ])
        #expect(try await SQLiteSnapshot.of(db) != before)

        try await service.restore(entry)
        let after = try await SQLiteSnapshot.of(db)
        #expect(after == before, "\(after)\n--- expected ---\n\(before)")
        #expect(try await scalar(target, "PRAGMA integrity_check") == "ok")
        #expect(try await rows(target, "PRAGMA foreign_key_check").isEmpty)
        // The database works as before: the trigger fires, the counter continues after 3.
        try await execute(target, ["INSERT INTO customers (name) VALUES ('eve')"])
        #expect(try await scalar(target, "SELECT id FROM customers WHERE name = 'eve'") == "4")
        #expect(try await scalar(target, "SELECT count(*) FROM audit WHERE what = 'new eve'") == "1")
        #expect(try await rows(target, "PRAGMA database_list").count == 1, "the backup is detached")
    }

    @Test func damagedBackupIsRefusedAndLeavesTheDatabaseAlone() async throws {
        let dir = try SafetyTempDir("sqlite-damaged")
        defer { dir.remove() }
        let db = dir.file("app.sqlite")
        let target = DatabaseTarget.sqlite(path: db)
        try await execute(target, richSchema)
        let (service, entry) = try await takeBackup(db, into: dir)
        try await execute(target, ["CREATE TABLE later (id integer)", "INSERT INTO later VALUES (1)", "DELETE FROM orders"])
        let changed = try await SQLiteSnapshot.of(db)

        // Flip one byte in the middle of the backup.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: entry.backupPath))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: entry.backupPath))
        await #expect(throws: SafetyError.self) { try await service.restore(entry) }
        #expect(try await SQLiteSnapshot.of(db) == changed)
    }

    /// A backup that passes the integrity check but cannot be replayed (its schema says an index is UNIQUE, its rows
    /// are not): the restore fails after it has dropped and recreated tables, and the transaction puts them back.
    @Test func restoreThatFailsHalfWayChangesNothing() async throws {
        let dir = try SafetyTempDir("sqlite-halfway")
        defer { dir.remove() }
        let db = dir.file("app.sqlite")
        let target = DatabaseTarget.sqlite(path: db)
        try await execute(target, richSchema)
        let before = try await SQLiteSnapshot.of(db)

        let bad = dir.file("bad.sqlite")
        try await execute(.sqlite(path: bad), [
            "CREATE TABLE aaa (id INTEGER PRIMARY KEY)",
            "INSERT INTO aaa VALUES (1)",
            "CREATE TABLE dup (x INTEGER)",
            "INSERT INTO dup VALUES (1), (1)",
            "CREATE INDEX dup_x ON dup (x)",
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = 'CREATE UNIQUE INDEX dup_x ON dup (x)' WHERE name = 'dup_x'",
        ])
        #expect(try await scalar(.sqlite(path: bad), "SELECT sql FROM sqlite_master WHERE name = 'dup_x'") == "CREATE UNIQUE INDEX dup_x ON dup (x)")
        let catalog = BackupCatalog(directory: dir.path)
        let manifest = BackupManifest(file: "bad.sqlite", engine: "sqlite", kind: "manual", environment: "test", database: "sqlite:\(bad)",
                                      serverVersion: "SQLite", strataVersion: "test", fromVersion: nil,
                                      sizeBytes: Int64(try Data(contentsOf: URL(fileURLWithPath: bad)).count), sha256: try fileDigest(bad),
                                      durationMs: 0, createdAt: Date(), runID: nil, tool: nil)
        let entry = try catalog.write(manifest)
        let service = BackupService(target: target, makeDriver: { Drivers.driver(for: $0) }, directory: dir.path)
        do {
            try await service.restore(entry)
            Issue.record("a backup breaking its own UNIQUE index was restored")
        } catch {
            #expect("\(error)".contains("UNIQUE"), "\(error)")
        }
        #expect(try await SQLiteSnapshot.of(db) == before)
        #expect(try await rows(target, "PRAGMA database_list").count == 1)
    }

    @Test func aPostgresBackupIsNotRestoredIntoSQLite() async throws {
        let dir = try SafetyTempDir("sqlite-engine")
        defer { dir.remove() }
        let db = dir.file("app.sqlite")
        try await execute(.sqlite(path: db), ["CREATE TABLE t (id integer)"])
        try dir.write("other.dump", "PGDMP")
        let manifest = BackupManifest(file: "other.dump", engine: "postgres", kind: "manual", environment: "test", database: "postgres://x@y/z",
                                      serverVersion: "PostgreSQL 15", strataVersion: "test", fromVersion: nil, sizeBytes: 5,
                                      sha256: try fileDigest(dir.file("other.dump")), durationMs: 0, createdAt: Date(), runID: nil, tool: nil)
        let entry = try BackupCatalog(directory: dir.path).write(manifest)
        let service = BackupService(target: .sqlite(path: db), makeDriver: { Drivers.driver(for: $0) }, directory: dir.path)
        do {
            try await service.restore(entry)
            Issue.record("a PostgreSQL dump was restored into SQLite")
        } catch let e as SafetyError {
            #expect(e.message.contains("postgres backup"), "\(e)")
        }
        #expect(try await scalar(.sqlite(path: db), "SELECT count(*) FROM sqlite_master") == "1")
    }
}
