import Foundation
import StrataKit
import StrataTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Signals and `--timeout` during a long migration: a quick, documented exit, the migration rolled
/// back, and no lock left behind.
@Suite("CLI on PostgreSQL: interruption", .enabled(if: TestEnvironment.postgresEnabled))
struct PostgresInterruptTests {
    struct Interrupt: Sendable, CustomTestStringConvertible {
        var signal: Int32
        var name: String
        var exitCode: Int32
        var testDescription: String { name }
    }

    static func slowMigration(_ ws: CLIWorkspace, seconds: Int) throws {
        try ws.migration("0001_slow.sql", up: "CREATE TABLE slow (id integer);\nSELECT pg_sleep(\(seconds));", down: "DROP TABLE slow;")
    }

    @Test("a signal during a long migration: exit within 2 s, rolled back, lock released",
          arguments: [Interrupt(signal: SIGTERM, name: "SIGTERM", exitCode: 143), Interrupt(signal: SIGINT, name: "SIGINT", exitCode: 130)])
    func signalDuringMigration(_ interrupt: Interrupt) async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try Self.slowMigration(ws, seconds: 60)
                let p = try ws.start(["up", "-d", db.url])
                let running = try await eventually(within: .seconds(20)) { try await db.isRunning("SELECT pg_sleep(60)") }
                try #require(running, "the migration never started: \(p.stderrSoFar)")
                try await Task.sleep(for: .milliseconds(300))
                let sent = ContinuousClock.now
                p.send(interrupt.signal)
                let r = try await p.wait(limit: .seconds(20))
                let afterSignal = ContinuousClock.now - sent
                #expect(r.exitCode == interrupt.exitCode, "\(r)")
                #expect(afterSignal <= .seconds(2), "exited \(afterSignal) after \(interrupt.name)")
                #expect(r.stderr.contains(interrupt.name), "\(r)")
                #expect(try await db.appliedVersions() == [])
                #expect(!(try await db.relationExists("slow")))
                let released = try await eventually(within: .seconds(3)) { try await db.advisoryLockCount() == 0 }
                #expect(released, "an advisory lock is still held in \(db.name)")
                let cancelled = try await eventually(within: .seconds(3)) { try await !db.isRunning("SELECT pg_sleep(60)") }
                #expect(cancelled, "the server is still running the migration's statement")
            }
        }
    }

    @Test("--timeout 1s on a 30 s migration: exit 124 quickly, nothing applied")
    func runTimeout() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                try Self.slowMigration(ws, seconds: 30)
                let r = try await ws.run(["up", "--timeout", "1s", "-d", db.url], limit: .seconds(30))
                #expect(r.exitCode == 124, "\(r)")
                #expect(r.elapsed < .seconds(10), "took \(r.elapsed)")
                #expect(r.stderr.contains("--timeout"), "\(r)")
                #expect(try await db.appliedVersions() == [])
                #expect(!(try await db.relationExists("slow")))
                let released = try await eventually(within: .seconds(3)) { try await db.advisoryLockCount() == 0 }
                #expect(released)
            }
        }
    }
}
