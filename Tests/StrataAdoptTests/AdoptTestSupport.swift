import Foundation
import StrataKit
import StrataTestSupport

/// Five migrations `0001_t1` … `0005_t5`, each creating table `t<k>`. For drizzle each gets the journal's `when`
/// as its origin key (as the drizzle reader sets it); for Alembic each name carries a revision id (`r<k>abc`).
func adoptMigrations(for tool: ForeignTool? = nil, count: Int = 5) async throws -> [Migration] {
    var files: [String: String] = [:]
    for k in 1...count {
        let name = tool == .alembic ? "r\(k)abc_t\(k)" : "t\(k)"
        files["000\(k)_\(name).sql"] = "-- strata:up\nCREATE TABLE t\(k) (id integer);\n-- strata:down\nDROP TABLE t\(k);\n"
    }
    var migrations = try await InMemorySource(files: files).migrations()
    if tool == .sqitch {
        for i in migrations.indices { migrations[i].origin = MigrationOrigin(format: .sqitch, key: "t\(migrations[i].version.canonical)") }
    }
    if tool == .drizzle {
        for i in migrations.indices { migrations[i].origin = MigrationOrigin(format: .drizzle, key: drizzleWhen(Int(migrations[i].version.canonical) ?? 0)) }
    }
    return migrations
}

func drizzleWhen(_ k: Int) -> String { String(1_700_000_000_000 + k * 60_000) }

/// What the old tool stores after applying migrations 1…`through` (golang-migrate and Alembic: only the last).
func foreignKeys(_ tool: ForeignTool, through: Int) -> [String] {
    (1...through).map { k in
        switch tool {
        case .drizzle: drizzleWhen(k)
        case .knex: "000\(k)_t\(k).js"
        case .alembic: "r\(k)abc"
        case .diesel: "000\(k)"
        case .sqitch: "t\(k)"
        default: String(k)
        }
    }
}

func makeMigrator(_ driver: any DatabaseDriver) -> Migrator {
    Migrator(driver: driver, migrationsTable: QualifiedName(schema: nil, name: "strata_migrations"),
             eventsTable: QualifiedName(schema: nil, name: "strata_events"), context: RunContext(strataVersion: "test"))
}

/// Brings `db` to where the old tool left it: tables t1…t`through` created, its tracking rows written.
func migratePartWay(_ db: DriverTestDatabase, tool: ForeignTool, through: Int, dirty: Bool = false) async throws {
    let pg = db.driver.dialect.supportsSchemas
    try await db.driver.withSession { s in
        for k in 1...through { try await s.execute("CREATE TABLE t\(k) (id integer)") }
        for sql in AdoptForeignTables.statements(tool, postgres: pg, applied: foreignKeys(tool, through: through), dirty: dirty) {
            try await s.execute(sql)
        }
    }
}

let sqliteDatabase: DriverTestFactory = { try DriverTestDatabase.sqlite() }
let postgresDatabase: DriverTestFactory = { try await DriverTestDatabase.postgres() }
