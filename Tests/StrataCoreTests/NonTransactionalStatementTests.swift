import Testing
@testable import StrataCore

@Suite("statements that cannot run in a transaction")
struct NonTransactionalStatementTests {
    @Test("detected", arguments: [
        "CREATE INDEX CONCURRENTLY i ON t (c)", "create unique index concurrently if not exists i on t (c)",
        "CREATE /* note */ INDEX CONCURRENTLY ON t (c)", "DROP INDEX CONCURRENTLY IF EXISTS i", "REINDEX INDEX CONCURRENTLY i",
        "REINDEX (VERBOSE) TABLE CONCURRENTLY t", "REINDEX DATABASE app", "VACUUM ANALYZE t", "CREATE DATABASE x", "DROP TABLESPACE ts",
        "ALTER SYSTEM SET work_mem = '64MB'", "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", "CLUSTER", "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p",
        "-- a note ending in a bare carriage return\rVACUUM t", "/* a /* nested */ note */ VACUUM t",
    ])
    func detected(sql: String) {
        #expect(NonTransactionalStatement.reason(sql) != nil)
    }

    @Test("not detected", arguments: [
        "CREATE INDEX i ON t (c)", "CREATE INDEX concurrently_named ON t (c)", "SELECT 'CREATE INDEX CONCURRENTLY'", "REINDEX TABLE t",
        "ALTER TABLE p DETACH PARTITION p1", "CLUSTER t USING i", "COMMENT ON INDEX i IS 'CONCURRENTLY'", "-- VACUUM\nSELECT 1", "-- VACUUM\r\nSELECT 1",
        "CREATE FUNCTION f() RETURNS void AS $$ VACUUM $$ LANGUAGE sql",
    ])
    func notDetected(sql: String) {
        #expect(NonTransactionalStatement.reason(sql) == nil)
    }
}
