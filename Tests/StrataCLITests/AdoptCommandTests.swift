import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// `strata adopt --json`, as the README documents it.
struct AdoptJSON: Decodable {
    struct Entry: Decodable { var version: String; var name: String; var key: String?; var checksum: String? }
    var tool: String
    var table: String
    var dryRun: Bool
    var alreadyRecorded: Bool
    var recorded: [Entry]
    var pending: [Entry]
    var warnings: [String]
}

extension CLIWorkspace {
    /// Four migrations `0001_t1` … `0004_t4` in Strata's layout, each creating table `t<k>`.
    func adoptFolder() throws {
        for k in 1...4 { try migration("000\(k)_t\(k).sql", up: "CREATE TABLE t\(k) (id integer);", down: "DROP TABLE t\(k);") }
    }

    /// `strata.sqlite` as `tool` leaves it after applying 1…`through` (tables and tracking rows; `extra` keys appended).
    func sqliteMigratedBy(_ tool: ForeignTool, keys: [String], tables through: Int, dirty: Bool = false) async throws {
        try await SQLiteDriver(path: sqlitePath).withSession { s in
            for k in 0..<through { try await s.execute("CREATE TABLE t\(k + 1) (id integer)") }
            for sql in AdoptForeignTables.statements(tool, postgres: false, applied: keys, dirty: dirty) { try await s.execute(sql) }
        }
    }
}

@Suite("CLI: strata adopt")
struct AdoptCommandTests {
    @Test("goose on SQLite: up refuses, adopt --dry-run changes nothing, adopt, then up applies only the rest")
    func gooseTakeOver() async throws {
        try await CLIWorkspace.with { ws in
            try ws.adoptFolder()
            try await ws.sqliteMigratedBy(.goose, keys: ["1", "2"], tables: 2)

            let up = try await ws.run(["up"])
            #expect(up.exitCode == 5, "\(up)")
            #expect(up.stderr.contains("goose") && up.stderr.contains("strata adopt"), "\(up)")
            #expect(try await !ws.sqliteTableExists("t3"))

            let dry = try await ws.run(["adopt", "--dry-run", "--json"])
            #expect(dry.exitCode == 0, "\(dry)")
            let preview = try decodeJSON(AdoptJSON.self, from: dry.stdout)
            #expect(preview.tool == "goose" && preview.table == "goose_db_version" && preview.dryRun)
            #expect(preview.recorded.map(\.version) == ["0001", "0002"])
            #expect(preview.recorded.map(\.key) == ["1", "2"])
            #expect(preview.pending.map(\.version) == ["0003", "0004"])
            #expect(try await !ws.sqliteTableExists("strata_migrations"), "dry run wrote nothing")

            let adopt = try await ws.run(["adopt"])
            #expect(adopt.exitCode == 0, "\(adopt)")
            #expect(adopt.stdout.contains("Recorded 2 migrations as applied (adopted from goose)"), "\(adopt)")
            #expect(try await ws.sqliteAppliedVersions() == ["0001", "0002"])

            let history = try await ws.run(["history"])
            #expect(history.stdout.contains("adopted"), "\(history)")

            let rest = try await ws.run(["up"])
            #expect(rest.exitCode == 0, "\(rest)")
            #expect(rest.stdout.contains("Applying 2 migrations"), "\(rest)")
            #expect(try await ws.sqliteAppliedVersions() == ["0001", "0002", "0003", "0004"])
            #expect(try await ws.sqliteTableExists("t4"))

            let again = try await ws.run(["adopt"])
            #expect(again.exitCode == 5, "adopt after Strata moved on: \(again)")
        }
    }

    @Test("dirty golang-migrate: adopt and up refuse, nothing recorded")
    func dirtyGolangMigrate() async throws {
        try await CLIWorkspace.with { ws in
            try ws.adoptFolder()
            try await ws.sqliteMigratedBy(.golangMigrate, keys: ["2"], tables: 2, dirty: true)
            let adopt = try await ws.run(["adopt", "--from", "golang-migrate"])
            #expect(adopt.exitCode == 5, "\(adopt)")
            #expect(adopt.stderr.contains("dirty") && adopt.stderr.contains("Nothing was recorded"), "\(adopt)")
            #expect(try await !ws.sqliteTableExists("strata_migrations"))
            let up = try await ws.run(["up"])
            #expect(up.exitCode == 5, "\(up)")
            #expect(try await !ws.sqliteTableExists("t3"))
        }
    }

    @Test("dbmate rows naming missing files: refused with the list")
    func missingFiles() async throws {
        try await CLIWorkspace.with { ws in
            try ws.adoptFolder()
            try await ws.sqliteMigratedBy(.dbmate, keys: ["1", "2", "20250101000000", "9"], tables: 2)
            let adopt = try await ws.run(["adopt", "--json"])
            #expect(adopt.exitCode == 5, "\(adopt)")
            #expect(adopt.stderr.contains("names 2 migrations the folder lacks"), "\(adopt)")
            #expect(adopt.stderr.contains("version 20250101000000") && adopt.stderr.contains("version 9"), "\(adopt)")
            let body = try jsonObject(adopt.stdout)
            #expect((body["error"] as? [String: Any])?["kind"] as? String == "validation")
            #expect(try await !ws.sqliteTableExists("strata_migrations"))
        }
    }

    @Test("several tools' tables: adopt asks for --from; unknown --from is a usage error")
    func severalTools() async throws {
        try await CLIWorkspace.with { ws in
            try ws.adoptFolder()
            try await ws.sqliteMigratedBy(.diesel, keys: ["1"], tables: 1)
            try await ws.sqliteMigratedBy(.knex, keys: ["0001_t1.js", "0002_t2.js"], tables: 0)
            let adopt = try await ws.run(["adopt"])
            #expect(adopt.exitCode == 5, "\(adopt)")
            #expect(adopt.stderr.contains("--from diesel|knex"), "\(adopt)")
            let bad = try await ws.run(["adopt", "--from", "liquibase"])
            #expect(bad.exitCode == 2 && bad.stderr.contains("--from liquibase: not a tool"), "\(bad)")
            let knex = try await ws.run(["adopt", "--from", "knex", "--dry-run"])
            #expect(knex.exitCode == 0, "\(knex)")
            #expect(knex.stdout.contains("Would record 2 migrations"), "\(knex)")
        }
    }

    @Test("up --allow-foreign-history applies everything despite another tool's table")
    func allowForeignHistory() async throws {
        try await CLIWorkspace.with { ws in
            try ws.adoptFolder()
            try await ws.sqliteMigratedBy(.alembic, keys: ["ae1027a6acf"], tables: 0)
            let up = try await ws.run(["up", "--allow-foreign-history"])
            #expect(up.exitCode == 0, "\(up)")
            #expect(try await ws.sqliteAppliedVersions() == ["0001", "0002", "0003", "0004"])
        }
    }

    @Test("golang-migrate on PostgreSQL: adopt, then up applies exactly the remaining migrations",
          .enabled(if: TestEnvironment.postgresEnabled))
    func postgresGolangMigrate() async throws {
        try await CLITestDatabase.with { db in
            try await CLIWorkspace.with { ws in
                try ws.adoptFolder()
                try await db.execute("CREATE TABLE t1 (id integer)")
                try await db.execute("CREATE TABLE t2 (id integer)")
                for sql in AdoptForeignTables.statements(.golangMigrate, postgres: true, applied: ["1", "2"]) { try await db.execute(sql) }
                let refused = try await ws.run(["up", "-d", db.url])
                #expect(refused.exitCode == 5, "\(refused)")
                #expect(refused.stderr.contains("strata adopt"), "\(refused)")

                let adopt = try await ws.run(["adopt", "-d", db.url, "--json"])
                #expect(adopt.exitCode == 0, "\(adopt)")
                let report = try decodeJSON(AdoptJSON.self, from: adopt.stdout)
                #expect(report.tool == "golang-migrate" && report.table == "public.schema_migrations" && !report.dryRun)
                #expect(report.recorded.map(\.version) == ["0001", "0002"])

                let up = try await ws.run(["up", "-d", db.url])
                #expect(up.exitCode == 0, "\(up)")
                #expect(up.stdout.contains("Applying 2 migrations"), "\(up)")
                #expect(try await db.appliedVersions() == ["0001", "0002", "0003", "0004"])
                #expect(try await db.relationExists("t4"))
            }
        }
    }
}
