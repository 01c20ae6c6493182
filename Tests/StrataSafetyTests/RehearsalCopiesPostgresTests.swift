// RehearsalCopies on PostgreSQL (one fresh database per test): CREATE DATABASE … TEMPLATE when nobody else
// is connected, pg_restore of a dump when someone is, and stale copies dropped by name.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety
import StrataTestSupport

private let content = [
    "CREATE TABLE t (id int PRIMARY KEY, v text)",
    "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 500) g",
    "CREATE VIEW v AS SELECT count(*) AS n FROM t",
]

/// A fresh database with `content`, its rehearsal copies, and every copy dropped afterwards whatever happens.
private func withCopies(_ body: (DriverTestDatabase, PostgresTarget, RehearsalCopies) async throws -> Void) async throws {
    try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
        let target = try db.postgresTarget()
        let copies = RehearsalCopies(target: .postgres(target), makeDriver: { Drivers.driver(for: $0) })
        do {
            try await db.exec(content)
            try await body(db, target, copies)
        } catch {
            await PostgresServer.dropAll(prefix: copies.postgresPrefix)
            throw error
        }
        await PostgresServer.dropAll(prefix: copies.postgresPrefix)
    }
}

@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct RehearsalCopiesPostgresTests {
    @Test func templateWhenNobodyElseIsConnected() async throws {
        try await withCopies { db, target, copies in
            try await PostgresServer.waitForNoSessions(on: try #require(target.database))
            let copy = try await copies.create(dump: nil)
            #expect(copy.method == "template")
            #expect(copy.name.hasPrefix(copies.postgresPrefix))
            #expect(try await scalar(copy.target, "SELECT n FROM v") == "500")
            #expect(try await PostgresServer.databases(prefix: copies.postgresPrefix) == [copy.name])
            try await copies.drop(copy)
            #expect(try await PostgresServer.databases(prefix: copies.postgresPrefix).isEmpty)
        }
    }

    @Test func restoreWhenAnotherSessionIsConnected() async throws {
        try await withCopies { db, target, copies in
            let schemaBefore = try await PostgresDumps.schema(target)
            // A session stays open on the target while the copy is made.
            let copy = try await db.driver.withSession { held in
                _ = try await held.query("SELECT 1")
                return try await copies.create(dump: nil)
            }
            #expect(copy.method == "restore")
            #expect(try await scalar(copy.target, "SELECT n FROM v") == "500")
            guard case .postgres(let copyTarget) = copy.target else {
                Issue.record("the copy of a PostgreSQL database is not one")
                return
            }
            #expect(try await PostgresDumps.schema(copyTarget) == schemaBefore, "the copy has the target's schema")
            try await copies.drop(copy)
            #expect(try await PostgresServer.databases(prefix: copies.postgresPrefix).isEmpty)
        }
    }

    @Test func restoreFromAGivenDump() async throws {
        let dir = try SafetyTempDir("copies-dump")
        defer { dir.remove() }
        try await withCopies { db, target, copies in
            let entry = try await BackupService(target: .postgres(target), makeDriver: { Drivers.driver(for: $0) }, directory: dir.path)
                .take(kind: "pre-migration", environment: "test", fromVersion: nil, runID: nil, strataVersion: "test")
            try await db.exec(["INSERT INTO t VALUES (501, 'after the dump')"])
            let copy = try await db.driver.withSession { _ in try await copies.create(dump: entry.backupPath) }
            #expect(copy.method == "restore")
            #expect(try await scalar(copy.target, "SELECT n FROM v") == "500", "the copy is made from the given dump")
            await copies.dropDetached(copy)
            #expect(try await PostgresServer.databases(prefix: copies.postgresPrefix).isEmpty)
        }
    }

    @Test func dropStaleDropsLeftoverCopiesNobodyUses() async throws {
        try await withCopies { db, target, copies in
            let stale = copies.postgresPrefix + "0000dead0001"
            let busy = copies.postgresPrefix + "0000dead0002"
            try await PostgresServer.withSession { s in
                try await s.execute("CREATE DATABASE \(stale)")
                try await s.execute("CREATE DATABASE \(busy)")
            }
            var busyTarget = target
            busyTarget.database = busy
            let dropped = try await PostgresDriver(target: busyTarget).withSession { held in
                _ = try await held.query("SELECT 1")
                return try await copies.dropStale()
            }
            #expect(dropped == [stale])
            #expect(try await PostgresServer.databases(prefix: copies.postgresPrefix) == [busy])
            // Another database's copies have another prefix, so they are never this target's to drop.
            var other = target
            other.database = "some_other_db"
            #expect(RehearsalCopies(target: .postgres(other), makeDriver: { Drivers.driver(for: $0) }).postgresPrefix != copies.postgresPrefix)
        }
    }
}
