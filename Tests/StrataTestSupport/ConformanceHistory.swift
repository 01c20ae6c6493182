import Foundation
import StrataKit
import Testing

/// Conformance: dry runs, history operations and checksums.
extension Conformance {
    /// A dry run returns the SQL it would run and changes nothing: not even the history table is created.
    public static func dryRunChangesNothing(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            let report = try await migrator(db).run(.up(to: nil), migrations: migrations, options: options(dryRun: true))
            #expect(report.outcome == .dryRun)
            let sql = try #require(report.sql)
            let expectedStatements = migrations.flatMap { $0.up.statements.map(\.sql) }
            // Each statement is sent as it is, or inside a batch (PostgreSQL's `DO` block), one per line.
            #expect(expectedStatements.allSatisfy { stmt in sql.contains { $0 == stmt || $0.contains("\n\(stmt)\n") } })
            #expect(sql.contains { $0.contains("CREATE TABLE IF NOT EXISTS") && $0.contains("strata_migrations") })
            #expect(sql.contains { $0.contains("INSERT INTO") && $0.contains("'0003'") })
            #expect(try await db.tableExists(QualifiedName(schema: nil, name: "strata_migrations")) == false)
            #expect(try await db.tables() == [])

            // With part of the history applied, a dry run lists only the rest and still changes nothing.
            try await run(db, .up(to: try v("1")), migrations)
            let rowsBefore = try await history(db)
            let second = try await migrator(db).run(.up(to: nil), migrations: migrations, options: options(dryRun: true))
            let secondSQL = try #require(second.sql)
            #expect(!secondSQL.contains { $0.contains("CREATE TABLE users") })
            #expect(secondSQL.contains { $0.contains("CREATE TABLE posts") })
            #expect(try await history(db) == rowsBefore)
            #expect(try await userTables(db) == ["users"])
        }
    }

    /// `baseline V` records migrations up to V without running them; `up` then runs only the rest.
    public static func baselineRecordsWithoutRunning(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            let recorded = try await migrator(db).baseline(to: try v("2"), migrations: migrations, lockWait: .seconds(30))
            #expect(recorded.map(\.digits) == ["0001", "0002"])
            #expect(try await userTables(db) == [])
            #expect(try await history(db).map(\.description) == ["0001 create_users applied failed=-/-", "0002 create_posts applied failed=-/-"])
            #expect(try await events(db).map(\.summary) == ["0001 baseline ok", "0002 baseline ok"])
            let report = try await run(db, .up(to: nil), migrations)
            #expect(report.steps.map(\.version.digits) == ["0003"])
            #expect(try await userTables(db) == ["tags"])
        }
    }

    /// `mark-applied V` records one migration without running it, with an event; a second time is refused.
    public static func markAppliedRecordsEvent(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let migrations = try await standardMigrations()
            try await migrator(db).markApplied(try v("1"), migrations: migrations, lockWait: .seconds(30))
            #expect(try await history(db).map(\.version) == ["0001"])
            #expect(try await userTables(db) == [])
            let event = try #require(try await events(db).last)
            #expect(event.summary == "0001 mark-applied ok")
            await #expect(throws: HistoryOperationError.self) {
                try await migrator(db).markApplied(try v("1"), migrations: migrations, lockWait: .seconds(30))
            }
            let report = try await run(db, .up(to: nil), migrations)
            #expect(report.steps.map(\.version.digits) == ["0002", "0003"])
        }
    }

    /// An applied file edited afterwards stops `up` with PlanError.checksumMismatch until `acceptChecksum`.
    public static func editedFileIsChecksumMismatchUntilAccepted(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            try await run(db, .up(to: nil), try await standardMigrations())
            let edited = try await standardMigrations(replacing: "0001_create_users.sql", with: """
                -- strata:up
                CREATE TABLE users (id integer primary key, email text not null, name text);
                -- strata:down
                DROP TABLE users;
                """)
            let error = try await #require(throws: PlanError.self) { try await run(db, .up(to: nil), edited) }
            guard case .checksumMismatch(let items) = error else {
                Issue.record("expected PlanError.checksumMismatch, got \(error)")
                return
            }
            #expect(items.map(\.version.digits) == ["0001"])
            try await migrator(db).acceptChecksum(try v("1"), migrations: edited, lockWait: .seconds(30))
            #expect(try await history(db).first?.checksum == edited.first?.checksum)
            #expect(try await events(db).last?.summary == "0001 accept-checksum ok")
            #expect(try await run(db, .up(to: nil), edited).outcome == .nothing)
        }
    }

    /// The same files with CRLF line endings (a checkout on Windows) are not an edit.
    public static func crlfCopyIsNotChecksumMismatch(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let lf = try writeDirectory(standardFiles)
            let crlf = try writeDirectory(standardFiles.mapValues { $0.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n" })
            defer {
                try? FileManager.default.removeItem(at: lf)
                try? FileManager.default.removeItem(at: crlf)
            }
            try await run(db, .up(to: nil), try await DirectorySource(directory: lf).migrations())
            let crlfMigrations = try await DirectorySource(directory: crlf).migrations()
            #expect(try await run(db, .up(to: nil), crlfMigrations).outcome == .nothing)
            let status = try await migrator(db).status(migrations: crlfMigrations).statuses
            #expect(status.map(\.state) == [.applied, .applied, .applied])
        }
    }

    /// `status` tells applied, pending, missing (file gone) and changed (file edited) apart.
    public static func statusStates(_ make: DriverTestFactory) async throws {
        try await DriverTestDatabase.with(make) { db in
            let all = try await standardMigrations()
            try await run(db, .up(to: try v("2")), all)
            #expect(try await migrator(db).status(migrations: all).statuses.map(\.state) == [.applied, .applied, .pending])
            var files = standardFiles
            files["0001_create_users.sql"] = "-- strata:up\nCREATE TABLE users (id integer);\n"
            files["0002_create_posts.sql"] = nil
            let status = try await migrator(db).status(migrations: try await migrations(files)).statuses
            #expect(status.map { "\($0.version.digits) \($0.state)" } == ["0001 changed", "0002 missing", "0003 pending"])
            #expect(status.first?.appliedChecksum == all.first?.checksum)
            #expect(status[1].name == "create_posts")
        }
    }
}
