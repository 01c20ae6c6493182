import Foundation
import StrataKit
import StrataTestSupport
import Synchronization
import Testing

/// The gate's behaviour, written once and run on SQLite and on PostgreSQL.
enum SchemaGateScenarios {
    static func emptyDatabaseIsPending(_ p: GateProject) async throws {
        try p.writeTwoMigrations()
        let gate = try p.gate()
        let result = try await gate.check()
        #expect(result.verdict == .pending)
        #expect(result.inspection.historyTableExists == false)
        #expect(result.inspection.pending.map(\.version.digits) == ["0001", "0002"])
        let error = try await #require(throws: SchemaNotReadyError.self) { try await gate.verify() }
        let message = error.description
        #expect(message.contains("pending migrations (2; nothing applied yet, head 0002): 0001 create_users, 0002 create_posts"), "\(message)")
        #expect(message.contains("Run the migrations before starting the app:\n  strata up -d "), "\(message)")
        #expect(message.hasSuffix("--dir \(p.migrations.path)"), "\(message)")
        #expect(message.contains(p.driver.displayTarget), "\(message)")
        if let path = p.sqlitePath { #expect(FileManager.default.fileExists(atPath: path) == false, "a check never creates the file") }
    }

    static func readyAfterUp(_ p: GateProject) async throws {
        try p.writeTwoMigrations()
        try await p.up()
        let gate = try p.gate(requiredTables: ["users", "posts"])
        try await gate.verify()
        let result = try await gate.check()
        #expect(result.ready)
        #expect(result.inspection.currentVersion?.digits == "0002")
        #expect(result.message.contains("at version 0002, 2 migrations applied, nothing pending; required tables present: users, posts"), "\(result.message)")
    }

    static func missingRequiredTablesWithNothingPending(_ p: GateProject) async throws {
        try p.writeTwoMigrations()
        try await p.up()
        let gate = try p.gate(requiredTables: ["users", "namespaces", "groups"], fixCommand: "strata up --env production")
        let result = try await gate.check()
        #expect(result.verdict == .invalid)
        #expect(result.inspection.missingTables == ["namespaces", "groups"])
        let error = try await #require(throws: SchemaNotReadyError.self) { try await gate.verify() }
        #expect(error.description.contains("missing required tables (2): namespaces, groups"), "\(error)")
        #expect(error.description.contains("No migration is pending, so `strata up` will not create them"), "\(error)")
    }

    static func partlyMigratedListsPendingAndMissing(_ p: GateProject) async throws {
        try p.writeTwoMigrations()
        try await p.up(to: "0001")
        let gate = try p.gate(requiredTables: ["users", "posts"], fixCommand: "strata up --env production")
        let error = try await #require(throws: SchemaNotReadyError.self) { try await gate.verify() }
        #expect(error.result.verdict == .pending)
        #expect(error.description == """
            database schema is not ready (\(p.driver.displayTarget)):
              missing required tables (1): posts
              pending migrations (1; database at 0001, head 0002): 0002 create_posts
            Run the migrations before starting the app:
              strata up --env production
            """)
    }

    static func dirtyRowNeedsRepair(_ p: GateProject) async throws {
        try p.writeTwoMigrations()
        try p.write("0003_audit.sql", GateProject.brokenNoTransaction)
        await #expect(throws: MigrationFailure.self) { try await p.up() }
        let result = try await p.gate().check()
        #expect(result.verdict == .invalid)
        #expect(result.dirtyStuck.map(\.version.digits) == ["0003"])
        #expect(result.message.contains("migration 0003 audit is dirty: statement 2 of its up section failed"), "\(result.message)")
        #expect(result.message.contains("`strata repair 0003 --as applied`"), "\(result.message)")
    }

    static func changedFileIsInvalid(_ p: GateProject) async throws {
        try p.writeTwoMigrations()
        try await p.up()
        try p.write("0001_create_users.sql", GateProject.users.replacingOccurrences(of: "email text", with: "email text NOT NULL"))
        let result = try await p.gate().check()
        #expect(result.verdict == .invalid)
        #expect(result.inspection.changed.map(\.version.digits) == ["0001"])
        #expect(result.message.contains("applied migrations edited since: 0001 create_users (0001_create_users.sql)"), "\(result.message)")
        #expect(result.message.contains("strata repair --accept-checksum"), "\(result.message)")
    }

    /// A database ahead of the app's files (the app was rolled back) does not block start-up.
    static func databaseAheadOfFilesIsReady(_ p: GateProject) async throws {
        try p.writeTwoMigrations()
        try await p.up()
        try p.remove("0002_create_posts.sql")
        let result = try await p.gate().check()
        #expect(result.ready)
        #expect(result.inspection.missingFiles.map(\.version.digits) == ["0002"])
        #expect(result.message.contains("1 applied migration this directory does not have (0002)"), "\(result.message)")
    }

    static func waitReturnsOnceAnotherTaskMigrates(_ p: GateProject) async throws {
        try p.writeTwoMigrations()
        let gate = try p.gate(requiredTables: ["posts"])
        let sawPending = Signal()
        async let waited = gate.wait(timeout: .seconds(60), pollInterval: .milliseconds(200)) { _ in sawPending.fire() }
        await sawPending.wait()
        try await p.up()
        let result = try await waited
        #expect(result.ready)
        #expect(result.attempts >= 2)
        let newest = "SELECT \(p.driver.dialect.timestampText("applied_at")) FROM strata_migrations ORDER BY applied_at DESC LIMIT 1"
        let applied = try #require(try await p.scalar(newest))
        #expect(try #require(Timestamps.parse(applied)) <= result.inspection.checkedAt, "ready only after the last migration was recorded")
    }

    static func waitGivesUpWithTheMessage(_ p: GateProject) async throws {
        try p.writeTwoMigrations()
        let gate = try p.gate()
        let retries = Counter()
        let error = try await #require(throws: SchemaNotReadyError.self) {
            try await gate.wait(timeout: .seconds(3), pollInterval: .milliseconds(100)) { _ in retries.add() }
        }
        // How many looks fit in the time depends on the machine's load; every look but the last reported a retry.
        #expect(error.result.attempts >= 1)
        #expect(retries.value == error.result.attempts - 1)
        #expect(error.result.waited >= .seconds(3))
        #expect(error.description.contains("pending migrations (2;"), "\(error)")
    }

    /// While a run holds the lock, the check names the holder, and a dirty row is a migration being applied.
    static func lockHolderAndDirtyInProgress(_ p: GateProject) async throws {
        try p.writeTwoMigrations()
        try p.write("0003_audit.sql", GateProject.brokenNoTransaction)
        await #expect(throws: MigrationFailure.self) { try await p.up() }
        let gate = try p.gate()
        #expect(try await gate.check().inspection.lockHolder == nil)
        let held = try await p.strata().migrator().withLockedSession(lockWait: .seconds(10)) { _ in
            try await gate.check()
        }
        let holder = try #require(held.inspection.lockHolder).description
        #expect(holder.contains("strata pid \(ProcessInfo.processInfo.processIdentifier)"), "\(holder)")
        #expect(held.verdict == .pending)
        #expect(held.message.contains("migration 0003 audit is being applied right now"), "\(held.message)")
        #expect(held.message.contains("a migration run holds the lock: strata pid"), "\(held.message)")
        #expect(try await gate.check().inspection.lockHolder == nil, "released after the run")
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
