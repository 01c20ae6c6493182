import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// A fixture folder of Tests/Fixtures/adopt/ in another tool's own layout, and the rows that tool writes after
/// applying its first two migrations (which create `users` and `orders`).
struct AdoptFixture: Sendable, CustomStringConvertible {
    var tool: ForeignTool
    var folder: String
    /// What the tool's table holds after the first two migrations.
    var keys: [String]
    /// Versions Strata records for them.
    var adopted: [String]
    /// Versions `up` must then apply.
    var remaining: [String]
    var description: String { folder }

    static let all: [AdoptFixture] = [
        AdoptFixture(tool: .goose, folder: "goose", keys: ["1", "2"], adopted: ["00001", "00002"], remaining: ["20260105090000", "20260106090000"]),
        AdoptFixture(tool: .golangMigrate, folder: "golang-migrate", keys: ["1", "2"], adopted: ["1", "2"], remaining: ["10", "11"]),
        AdoptFixture(tool: .dbmate, folder: "dbmate", keys: ["20260101090000", "20260102090000"], adopted: ["20260101090000", "20260102090000"],
                     remaining: ["20260105090000", "20260106090000"]),
        AdoptFixture(tool: .diesel, folder: "diesel", keys: ["00000000000000", "20260101090000", "20260102090000"],
                     adopted: ["00000000000000", "20260101090000", "20260102090000"], remaining: ["20260105090000", "20260106090000"]),
        AdoptFixture(tool: .drizzle, folder: "drizzle", keys: ["1767258000000", "1767344400000"], adopted: ["0000", "0001"], remaining: ["0002", "0003"]),
        AdoptFixture(tool: .flyway, folder: "flyway", keys: ["1", "2"], adopted: ["1", "2"], remaining: ["10", "11"]),
        AdoptFixture(tool: .sqitch, folder: "sqitch", keys: ["users", "orders"], adopted: ["1", "2"], remaining: ["3", "4"]),
    ]

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/adopt")
    }

    /// The schema the tool's first two migrations leave.
    static let partWaySchema = [
        "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL)",
        "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id))",
    ]

    /// Copies the fixture to `ws`'s `migrations/`.
    func copy(to ws: CLIWorkspace) throws {
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent(folder), to: ws.directory.appendingPathComponent("migrations"))
    }

    /// The database as the tool left it part-way.
    func migratePartWay(_ session: any DatabaseSession, postgres: Bool, extraKeys: [String] = [], dirty: Bool = false) async throws {
        for sql in Self.partWaySchema { try await session.execute(sql) }
        for sql in AdoptForeignTables.statements(tool, postgres: postgres, applied: keys + extraKeys, dirty: dirty) { try await session.execute(sql) }
    }
}

@Suite("CLI: strata adopt on folders in other tools' layouts")
struct AdoptFormatFixtureTests {
    /// up refuses, adopt records exactly the first two, up applies exactly the other two.
    func takeOver(_ fixture: AdoptFixture, ws: CLIWorkspace, database: [String], applied: () async throws -> [String]) async throws {
        let refused = try await ws.run(["up"] + database)
        #expect(refused.exitCode == 5, "\(refused)")
        #expect(refused.stderr.contains("strata adopt"), "\(refused)")

        let adopt = try await ws.run(["adopt", "--json"] + database)
        #expect(adopt.exitCode == 0, "\(adopt)")
        let report = try decodeJSON(AdoptJSON.self, from: adopt.stdout)
        #expect(report.tool == fixture.tool.rawValue)
        #expect(report.recorded.map(\.version) == fixture.adopted)
        #expect(report.recorded.map(\.key) == fixture.keys.map { Optional($0) })
        #expect(report.pending.map(\.version) == fixture.remaining)
        #expect(try await applied() == fixture.adopted)

        let up = try await ws.run(["up", "--json"] + database)
        #expect(up.exitCode == 0, "\(up)")
        let steps = (try jsonObject(up.stdout)["steps"] as? [[String: Any]])?.compactMap { $0["version"] as? String }
        #expect(steps == fixture.remaining, "\(up)")
        #expect(try await applied() == fixture.adopted + fixture.remaining)
    }

    /// Sqitch keeps its SQLite registry in a file of its own, which adopt does not read.
    @Test("SQLite: adopt then up applies exactly the remaining migrations", arguments: AdoptFixture.all.filter { $0.tool != .sqitch })
    func sqlite(_ fixture: AdoptFixture) async throws {
        try await CLIWorkspace.with { ws in
            try fixture.copy(to: ws)
            try await SQLiteDriver(path: ws.sqlitePath).withSession { try await fixture.migratePartWay($0, postgres: false) }
            try await takeOver(fixture, ws: ws, database: []) {
                try await ws.withSQLite { s in
                    try await s.query("SELECT version FROM strata_migrations ORDER BY length(ltrim(version, '0')), ltrim(version, '0')").compactMap { $0[0] }
                } ?? []
            }
            #expect(try await ws.sqliteTableExists("payments"))
        }
    }

    @Test("PostgreSQL: adopt then up applies exactly the remaining migrations", .enabled(if: TestEnvironment.postgresEnabled),
          arguments: AdoptFixture.all)
    func postgres(_ fixture: AdoptFixture) async throws {
        try await CLITestDatabase.with { db in
            try await CLIWorkspace.with { ws in
                try fixture.copy(to: ws)
                try await db.withSession { try await fixture.migratePartWay($0, postgres: true) }
                try await takeOver(fixture, ws: ws, database: ["-d", db.url]) {
                    try await db.query("SELECT version FROM strata_migrations ORDER BY length(ltrim(version, '0')), ltrim(version, '0')").compactMap { $0[0] }
                }
                #expect(try await db.relationExists("payments"))
                #expect(try await db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'total_cents'") == "1")
            }
        }
    }

    @Test("dirty golang-migrate folder: adopt and up refuse; nothing recorded or run")
    func dirty() async throws {
        try await CLIWorkspace.with { ws in
            let fixture = AdoptFixture.all[1]
            try fixture.copy(to: ws)
            try await SQLiteDriver(path: ws.sqlitePath).withSession { try await fixture.migratePartWay($0, postgres: false, dirty: true) }
            let adopt = try await ws.run(["adopt"])
            #expect(adopt.exitCode == 5, "\(adopt)")
            #expect(adopt.stderr.contains("dirty"), "\(adopt)")
            #expect(try await !ws.sqliteTableExists("strata_migrations"))
            let up = try await ws.run(["up"])
            #expect(up.exitCode == 5, "\(up)")
            #expect(try await !ws.sqliteTableExists("payments"))
        }
    }

    @Test("dbmate rows for files the folder lacks: refused with the list")
    func missing() async throws {
        try await CLIWorkspace.with { ws in
            let fixture = AdoptFixture.all[2]
            try fixture.copy(to: ws)
            try await SQLiteDriver(path: ws.sqlitePath).withSession {
                try await fixture.migratePartWay($0, postgres: false, extraKeys: ["20251224000000", "20251225000000"])
            }
            let dry = try await ws.run(["adopt", "--dry-run"])
            #expect(dry.exitCode == 5, "\(dry)")
            #expect(dry.stderr.contains("names 2 migrations the folder lacks:\n  version 20251224000000\n  version 20251225000000"), "\(dry)")
            #expect(try await !ws.sqliteTableExists("strata_migrations"))
        }
    }
}
