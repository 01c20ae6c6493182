import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// `HistoryStore.boundAndExists(on:)`: pinning the history tables to a schema and asking whether the migrations table
/// exists, in one query, must answer what `bound(to:)` and `exists(on:)` answer one after the other.
@Suite(.enabled(if: TestEnvironment.postgresEnabled), .timeLimit(.minutes(1)))
struct PostgresHistoryBindingTests {
    func store(_ db: DriverTestDatabase, migrations: QualifiedName = QualifiedName(schema: nil, name: "strata_migrations")) -> HistoryStore {
        HistoryStore(dialect: db.driver.dialect, migrations: migrations, events: QualifiedName(schema: nil, name: "strata_events"))
    }

    /// Both answers on one session after `setup`, and the pair asked the old way.
    func answers(_ db: DriverTestDatabase, _ store: HistoryStore, setup: String? = nil)
        async throws -> (together: (QualifiedName, QualifiedName, Bool), apart: (QualifiedName, QualifiedName, Bool)) {
        try await db.driver.withSession { s in
            if let setup { try await s.execute(setup) }
            let (bound, exists) = try await store.boundAndExists(on: s)
            let apart = try await store.bound(to: s)
            let existsApart = try await apart.exists(on: s)
            return ((bound.migrationsTable, bound.eventsTable, exists), (apart.migrationsTable, apart.eventsTable, existsApart))
        }
    }

    @Test("no history yet: pinned to the current schema, not there")
    func freshDatabase() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let (together, apart) = try await answers(db, store(db))
            #expect(together == (QualifiedName(schema: "public", name: "strata_migrations"), QualifiedName(schema: "public", name: "strata_events"), false))
            #expect(together == apart)
        }
    }

    @Test("a history that search_path finds in another schema: pinned there, there")
    func historyFoundThroughSearchPath() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            try await db.driver.withSession { s in
                try await s.execute("CREATE SCHEMA app")
                try await s.execute("CREATE TABLE public.strata_migrations (version text PRIMARY KEY)")
            }
            let (together, apart) = try await answers(db, store(db), setup: "SET search_path = app, public")
            #expect(together == (QualifiedName(schema: "public", name: "strata_migrations"), QualifiedName(schema: "app", name: "strata_events"), true))
            #expect(together == apart)
        }
    }

    @Test("no schema of search_path exists: pinned to public, where the history is, and found there")
    func searchPathWithoutSchemas() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            try await db.driver.withSession { s in try await s.execute("CREATE TABLE public.strata_migrations (version text PRIMARY KEY)") }
            let (together, apart) = try await answers(db, store(db), setup: "SET search_path = no_such_schema")
            #expect(together == (QualifiedName(schema: "public", name: "strata_migrations"), QualifiedName(schema: "public", name: "strata_events"), true))
            #expect(together == apart)
        }
    }

    @Test("a configured schema is kept as it is; only the unqualified table is pinned")
    func configuredSchema() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            let configured = store(db, migrations: QualifiedName(schema: "audit", name: "history"))
            let (before, beforeApart) = try await answers(db, configured)
            #expect(before == (QualifiedName(schema: "audit", name: "history"), QualifiedName(schema: "public", name: "strata_events"), false))
            #expect(before == beforeApart)
            try await db.driver.withSession { s in for sql in configured.createStatements() { try await s.execute(sql) } }
            let (after, afterApart) = try await answers(db, configured)
            #expect(after.2 && afterApart.2)
        }
    }
}

@Suite struct SQLiteHistoryBindingTests {
    @Test("SQLite has no schemas: the names stay as they are; the answer follows the table")
    func sqlite() async throws {
        try await DriverTestDatabase.with({ try DriverTestDatabase.sqlite() }) { db in
            let store = HistoryStore(dialect: db.driver.dialect, migrations: QualifiedName(schema: nil, name: "strata_migrations"),
                                     events: QualifiedName(schema: nil, name: "strata_events"))
            let before = try await db.driver.withSession { try await store.boundAndExists(on: $0) }
            #expect(before.store.migrationsTable == store.migrationsTable && !before.exists)
            try await db.driver.withSession { s in for sql in store.createStatements() { try await s.execute(sql) } }
            let after = try await db.driver.withSession { try await store.boundAndExists(on: $0) }
            #expect(after.exists)
        }
    }
}
