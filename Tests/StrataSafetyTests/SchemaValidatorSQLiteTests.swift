// SchemaValidator on a SQLite file: required tables, PRAGMA foreign_key_check, validate queries (errors,
// false, true, and data changes rolled back) and verify sections.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety

private func validate(_ db: String, _ validator: SchemaValidator, verify: [Migration] = []) async throws -> ValidationResult {
    let driver = Drivers.driver(for: .sqlite(path: db))
    return try await driver.withSession { try await validator.validate(on: $0, dialect: driver.dialect, verify: verify) }
}

private func check(_ result: ValidationResult, kind: String, subject: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ValidationCheck {
    try #require(result.checks.first { $0.kind == kind && $0.subject == subject }, "no \(kind) check of \(subject) in \(result.checks)",
                 sourceLocation: sourceLocation)
}

private let schema = [
    "CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT)",
    "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents(id))",
    "CREATE VIEW named AS SELECT name FROM parents",
    "INSERT INTO parents VALUES (1, 'p1'), (2, 'p2')",
    "INSERT INTO children VALUES (1, 1), (2, NULL)",
]

struct SchemaValidatorSQLiteTests {
    @Test func requiredTablesListsEveryMissingOne() async throws {
        let dir = try SafetyTempDir("validate-required")
        defer { dir.remove() }
        let db = dir.file("app.sqlite")
        try await execute(.sqlite(path: db), schema)
        let missing = try await validate(db, SchemaValidator(requiredTables: ["parents", "ghosts", "children", "named", "spirits"]))
        let c = try check(missing, kind: "required_tables", subject: "parents, ghosts, children, named, spirits")
        #expect(!c.ok)
        #expect(c.detail == "missing: ghosts, spirits")
        #expect(!missing.ok)
        #expect(missing.failureSummary.contains("ghosts, spirits"))

        let present = try await validate(db, SchemaValidator(requiredTables: ["parents", "children", "named"]))
        #expect(present.ok, "\(present.failureSummary)")
        #expect(present.checks.map(\.kind) == ["required_tables", "foreign_keys"])
    }

    @Test func foreignKeyViolationsAreFound() async throws {
        let dir = try SafetyTempDir("validate-fk")
        defer { dir.remove() }
        let db = dir.file("app.sqlite")
        try await execute(.sqlite(path: db), schema)
        #expect(try await validate(db, SchemaValidator()).ok)
        try await execute(.sqlite(path: db), ["PRAGMA foreign_keys = OFF", "INSERT INTO children VALUES (3, 42), (4, 43)"])
        let result = try await validate(db, SchemaValidator())
        let c = try check(result, kind: "foreign_keys", subject: "all tables")
        #expect(!c.ok)
        #expect(c.detail?.contains("2 row(s)") == true && c.detail?.contains("children") == true, "\(c)")
    }

    @Test func validateQueriesFailOnErrorOrFalseAndChangeNothing() async throws {
        let dir = try SafetyTempDir("validate-queries")
        defer { dir.remove() }
        let db = dir.file("app.sqlite")
        try await execute(.sqlite(path: db), schema)
        let queries = [
            "SELECT * FROM no_such_table",
            "SELECT count(*) = 3 FROM parents",
            "SELECT NOT EXISTS (SELECT 1 FROM children WHERE parent_id IS NULL)",
            "SELECT count(*) = 2 FROM parents",
            "DELETE FROM children",
            "INSERT INTO parents VALUES (9, 'new') RETURNING 1",
        ]
        let result = try await validate(db, SchemaValidator(queries: queries))
        let failing = try check(result, kind: "query", subject: queries[0])
        #expect(!failing.ok)
        #expect(failing.detail?.contains("no_such_table") == true, "\(failing)")
        #expect(try check(result, kind: "query", subject: queries[1]).detail == "returned false")
        #expect(!(try check(result, kind: "query", subject: queries[2]).ok))
        #expect(try check(result, kind: "query", subject: queries[3]).ok, "a query after a failing one runs normally")
        #expect(try check(result, kind: "query", subject: queries[4]).ok)
        #expect(try check(result, kind: "query", subject: queries[5]).ok)
        #expect(result.failures.count == 3)
        #expect(try await scalar(.sqlite(path: db), "SELECT count(*) FROM children") == "2", "the DELETE was rolled back")
        #expect(try await scalar(.sqlite(path: db), "SELECT count(*) FROM parents") == "2", "the INSERT was rolled back")
    }

    @Test func verifySectionsRunAndAreRolledBack() async throws {
        let dir = try SafetyTempDir("validate-verify")
        defer { dir.remove() }
        let db = dir.file("app.sqlite")
        try await execute(.sqlite(path: db), schema)
        let migrations = try await InMemorySource(files: [
            "0001_parents.sql": "-- strata:up\nSELECT 1;\n-- strata:verify\nINSERT INTO parents VALUES (10, 'verify');\nSELECT count(*) FROM parents;\n",
            "0002_children.sql": "-- strata:up\nSELECT 1;\n-- strata:verify\nSELECT id FROM children;\nSELECT missing_column FROM children;\n",
            "0003_plain.sql": "-- strata:up\nSELECT 1;\n",
        ]).migrations()
        let result = try await validate(db, SchemaValidator(), verify: migrations)
        #expect(result.checks.filter { $0.kind == "verify" }.map(\.subject) == ["0001 parents", "0002 children"])
        #expect(try check(result, kind: "verify", subject: "0001 parents").ok)
        let failed = try check(result, kind: "verify", subject: "0002 children")
        #expect(!failed.ok)
        #expect(failed.detail?.contains("missing_column") == true, "\(failed)")
        #expect(try await scalar(.sqlite(path: db), "SELECT count(*) FROM parents") == "2", "the verify section's INSERT was rolled back")
    }
}
