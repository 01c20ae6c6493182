// SchemaValidator on PostgreSQL (one fresh database per test): required tables, NOT VALID foreign keys
// checked for orphan rows, validate queries and verify sections rolled back.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety
import StrataTestSupport

private func validate(_ db: DriverTestDatabase, _ validator: SchemaValidator, verify: [Migration] = []) async throws -> ValidationResult {
    try await db.driver.withSession { try await validator.validate(on: $0, dialect: db.driver.dialect, verify: verify) }
}

private func exec(_ db: DriverTestDatabase, _ statements: [String]) async throws {
    try await db.driver.withSession { s in for sql in statements { try await s.execute(sql) } }
}

private func value(_ db: DriverTestDatabase, _ sql: String) async throws -> String? {
    try await db.driver.withSession { try await $0.query(sql) }.first?[0]
}

private let schema = [
    "CREATE SCHEMA app",
    "CREATE TABLE app.parents (id int PRIMARY KEY, name text)",
    "CREATE TABLE \"Children\" (id int PRIMARY KEY, parent_id int, \"Parent Name\" text)",
    "CREATE TABLE pairs (a int, b int, PRIMARY KEY (a, b))",
    "CREATE TABLE pair_refs (id int, a int, b int)",
    "INSERT INTO app.parents VALUES (1, 'p1'), (2, 'p2')",
    "INSERT INTO pairs VALUES (1, 1), (1, 2)",
]

@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct SchemaValidatorPostgresTests {
    @Test func requiredTablesListsEveryMissingOne() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            try await exec(db, schema)
            let result = try await validate(db, SchemaValidator(requiredTables: ["app.parents", "parents", "\"Children\"", "pairs", "app.ghosts"]))
            let c = try #require(result.checks.first { $0.kind == "required_tables" })
            #expect(!c.ok)
            #expect(c.detail == "missing: parents, app.ghosts", "\(c)")
            #expect(try await validate(db, SchemaValidator(requiredTables: ["app.parents", "pairs"])).ok)
        }
    }

    @Test func notValidForeignKeysAreCheckedForOrphans() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            try await exec(db, schema)
            // A validated constraint, and NOT VALID ones added over clean data (NULLs are not orphans).
            try await exec(db, [
                "INSERT INTO \"Children\" VALUES (1, 1, 'p1'), (2, NULL, NULL)",
                "INSERT INTO pair_refs VALUES (1, 1, 2), (2, NULL, 5)",
                "ALTER TABLE \"Children\" ADD CONSTRAINT children_parent FOREIGN KEY (parent_id) REFERENCES app.parents (id) NOT VALID",
                "ALTER TABLE pair_refs ADD CONSTRAINT pair_refs_pair FOREIGN KEY (a, b) REFERENCES pairs (a, b) NOT VALID",
                "CREATE TABLE checked (id int REFERENCES app.parents (id))",
            ])
            let clean = try await validate(db, SchemaValidator())
            #expect(clean.ok, "\(clean.failureSummary)")
            #expect(clean.checks.first?.subject == "3 constraint(s)")
            #expect(clean.checks.filter { $0.kind == "foreign_keys" && $0.subject.contains("NOT VALID") }.count == 2)

            // Orphans behind the NOT VALID constraints (inserted before they were added: drop and re-add them).
            try await exec(db, [
                "ALTER TABLE \"Children\" DROP CONSTRAINT children_parent",
                "ALTER TABLE pair_refs DROP CONSTRAINT pair_refs_pair",
                "INSERT INTO \"Children\" VALUES (3, 77, 'gone'), (4, 78, 'gone')",
                "INSERT INTO pair_refs VALUES (3, 2, 2)",
                "ALTER TABLE \"Children\" ADD CONSTRAINT children_parent FOREIGN KEY (parent_id) REFERENCES app.parents (id) NOT VALID",
                "ALTER TABLE pair_refs ADD CONSTRAINT pair_refs_pair FOREIGN KEY (a, b) REFERENCES pairs (a, b) NOT VALID",
            ])
            let dirty = try await validate(db, SchemaValidator())
            #expect(!dirty.ok)
            let children = try #require(dirty.failures.first { $0.subject.hasPrefix("children_parent") })
            #expect(children.subject.contains("\"Children\""), "\(children)")
            #expect(children.detail?.hasPrefix("2 orphan row(s)") == true, "\(children)")
            let pairs = try #require(dirty.failures.first { $0.subject.hasPrefix("pair_refs_pair") })
            #expect(pairs.detail?.hasPrefix("1 orphan row(s)") == true, "\(pairs)")
            #expect(dirty.failures.count == 2)
        }
    }

    @Test func validateQueriesFailOnErrorOrFalseAndChangeNothing() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            try await exec(db, schema)
            let queries = [
                "SELECT 1 / 0",
                "SELECT false",
                "SELECT count(*) = 2 FROM app.parents",
                "DELETE FROM pairs",
                "UPDATE app.parents SET name = 'changed' RETURNING true",
                "SELECT count(*) FROM app.parents WHERE false",
            ]
            let result = try await validate(db, SchemaValidator(queries: queries))
            let byQuery = Dictionary(result.checks.filter { $0.kind == "query" }.map { ($0.subject, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(byQuery[queries[0]]?.ok == false)
            #expect(byQuery[queries[0]]?.detail?.contains("division by zero") == true)
            #expect(byQuery[queries[1]]?.detail == "returned false")
            #expect(byQuery[queries[2]]?.ok == true, "a query after a failed one runs normally")
            #expect(byQuery[queries[3]]?.ok == true)
            #expect(byQuery[queries[4]]?.ok == true)
            #expect(byQuery[queries[5]]?.ok == true, "a count of 0 is a value, not false")
            #expect(result.failures.count == 2)
            #expect(try await value(db, "SELECT count(*) FROM pairs") == "2")
            #expect(try await value(db, "SELECT string_agg(name, ',' ORDER BY id) FROM app.parents") == "p1,p2")
        }
    }

    @Test func verifySectionsRunAndAreRolledBack() async throws {
        try await DriverTestDatabase.with({ try await DriverTestDatabase.postgres() }) { db in
            try await exec(db, schema)
            let migrations = try await InMemorySource(files: [
                "0001_fill.sql": "-- strata:up\nSELECT 1;\n-- strata:verify\nINSERT INTO pairs VALUES (5, 5);\nSELECT count(*) FROM pairs;\n",
                "0002_check.sql": """
                    -- strata:up
                    SELECT 1;
                    -- strata:verify
                    DO $$ BEGIN IF (SELECT count(*) FROM app.parents) < 10 THEN RAISE EXCEPTION 'too few parents'; END IF; END $$;
                    """,
            ]).migrations()
            let result = try await validate(db, SchemaValidator(queries: ["SELECT true"]), verify: migrations)
            let verify = result.checks.filter { $0.kind == "verify" }
            #expect(verify.map(\.subject) == ["0001 fill", "0002 check"])
            #expect(verify.first?.ok == true)
            #expect(verify.last?.ok == false)
            #expect(verify.last?.detail?.contains("too few parents") == true, "\(verify)")
            #expect(try await value(db, "SELECT count(*) FROM pairs") == "2")
        }
    }
}
