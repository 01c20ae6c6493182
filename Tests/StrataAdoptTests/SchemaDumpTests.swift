import Foundation
import StrataKit
import Testing
@testable import StrataAdopt

@Suite("squash: pg_dump output as a baseline")
struct SchemaDumpTests {
    @Test("session settings become local to the migration, meta-commands and pg_dump's timeouts go, schemas are idempotent")
    func cleaned() {
        let dump = """
            --
            -- PostgreSQL database dump
            --
            \\restrict abc123

            -- Dumped from database version 15.18
            SET statement_timeout = 0;
            SET lock_timeout = 0;
            SET client_encoding = 'UTF8';
            SELECT pg_catalog.set_config('search_path', '', false);
            COMMENT ON SCHEMA "public" IS 'standard public schema';
            CREATE SCHEMA "billing";
            CREATE TABLE "billing"."t" ("id" integer);
            \\unrestrict abc123

            """
        #expect(SchemaDump.baselineSQL(fromDump: dump) == """
            --
            -- PostgreSQL database dump
            --

            SET LOCAL client_encoding = 'UTF8';
            SELECT pg_catalog.set_config('search_path', '', true);
            CREATE SCHEMA IF NOT EXISTS "billing";
            CREATE TABLE "billing"."t" ("id" integer);

            """)
    }

    @Test("pg_dump arguments: history tables excluded by exact quoted pattern; rows only for reference tables")
    func arguments() {
        let history = [QualifiedName(schema: nil, name: "strata_migrations"), QualifiedName(schema: "ops", name: "Events")]
        let schemaOnly = SchemaDump.arguments(schemaOnly: true, exclude: history, excludeData: ["\"public\".\"t\""])
        #expect(schemaOnly.contains("--schema-only") && schemaOnly.contains("--exclude-table=\"strata_migrations\"")
                && schemaOnly.contains("--exclude-table=\"ops\".\"Events\"") && !schemaOnly.contains { $0.hasPrefix("--exclude-table-data") })
        let withData = SchemaDump.arguments(schemaOnly: false, exclude: history, excludeData: ["\"public\".\"t\""])
        #expect(withData.contains("--column-inserts") && withData.contains("--exclude-table-data=\"public\".\"t\"") && !withData.contains("--schema-only"))
    }

    @Test("differences list the lines only one side has")
    func difference() {
        #expect(Squasher.difference(["a", "b", "b"], ["b", "c"], left: "m", right: "b") == ["- (m only) a", "- (m only) b", "+ (b only) c"], "sorted by line")
        #expect(Squasher.difference(["a"], ["a"], left: "m", right: "b").isEmpty)
    }
}
