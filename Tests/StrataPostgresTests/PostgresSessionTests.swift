import Foundation
import StrataKit
import StrataTestSupport
import Synchronization
import Testing

/// `DatabaseSession.query` on PostgreSQL: every value comes back as text.
@Suite(.enabled(if: TestEnvironment.postgresEnabled), .timeLimit(.minutes(1)))
struct PostgresSessionTests {
    @Test func queryReturnsTextForCommonTypes() async throws {
        let driver = PostgresDriver(target: try DriverTestDatabase.postgresServerTarget())
        let row = try await driver.withSession { session in
            try await session.execute("SET TIME ZONE 'UTC'")
            return try await session.query("""
                SELECT 42::int4, 9000000000::int8, 7::int2, true, false, 'héllo'::text,
                       '2026-01-02 03:04:05+00'::timestamptz, NULL::text, NULL::int4,
                       '2026-01-02'::date, 12.50::numeric
                """)
        }
        let first = try #require(row.first)
        let values = first.values
        #expect(Array(values.prefix(6)) == ["42", "9000000000", "7", "true", "false", "héllo"])
        let timestamp = try #require(first[6])
        #expect(timestamp.contains("2026-01-02") && timestamp.contains("03:04:05"), "timestamptz came back as \(timestamp)")
        #expect(first[7] == nil)
        #expect(first[8] == nil)
        #expect(first[9] == "2026-01-02")
        #expect(first[10].flatMap { Decimal(string: $0) } == Decimal(string: "12.5"), "numeric came back as \(first[10] ?? "nil")")
    }

    @Test func queryReturnsEveryRowInOrder() async throws {
        let driver = PostgresDriver(target: try DriverTestDatabase.postgresServerTarget())
        let rows = try await driver.withSession { try await $0.query("SELECT g, 'row ' || g FROM generate_series(1, 3) AS g ORDER BY g") }
        #expect(rows.map(\.values) == [["1", "row 1"], ["2", "row 2"], ["3", "row 3"]])
    }

    @Test func forEachRowHandsOverEveryRowAsQueryWouldReturnIt() async throws {
        let driver = PostgresDriver(target: try DriverTestDatabase.postgresServerTarget())
        let sql = "SELECT g, CASE WHEN g % 2 = 0 THEN NULL ELSE 'row ' || g END, g > 1 FROM generate_series(1, 2500) AS g ORDER BY g"
        let (queried, streamed) = try await driver.withSession { session in
            let streamed = Mutex<[Row]>([])
            try await session.forEachRow(sql) { row in streamed.withLock { $0.append(row) } }
            return (try await session.query(sql), streamed.withLock { $0 })
        }
        #expect(streamed.count == 2500)
        #expect(streamed == queried)
        #expect(streamed.prefix(2).map(\.values) == [["1", "row 1", "false"], ["2", nil, "true"]])
    }

    @Test func forEachRowReportsServerErrorsAndWhatTheBodyThrows() async throws {
        struct Stop: Error {}
        let driver = PostgresDriver(target: try DriverTestDatabase.postgresServerTarget())
        let error = try await #require(throws: DatabaseError.self) {
            try await driver.withSession { try await $0.forEachRow("SELECT * FROM no_such_table_here") { _ in } }
        }
        #expect(error.sqlState == "42P01")
        let seen = Mutex(0)
        let (stopped, after) = try await driver.withSession { session in
            var stopped = false
            do {
                try await session.forEachRow("SELECT g FROM generate_series(1, 100) AS g") { _ in
                    if seen.withLock({ $0 += 1; return $0 }) == 3 { throw Stop() }
                }
            } catch is Stop {
                stopped = true
            }
            // The session still answers after a body stopped the rows.
            return (stopped, try await session.query("SELECT 1"))
        }
        #expect(stopped)
        #expect(seen.withLock { $0 } == 3)
        #expect(after.first?[0] == "1")
    }

    @Test func serverErrorsBecomeDatabaseErrorsWithState() async throws {
        let driver = PostgresDriver(target: try DriverTestDatabase.postgresServerTarget())
        let error = try await #require(throws: DatabaseError.self) {
            try await driver.withSession { try await $0.execute("SELECT * FROM no_such_table_here") }
        }
        #expect(error.sqlState == "42P01")
        #expect(error.message.contains("no_such_table_here"))
        #expect(error.position == 15)
    }
}
