import Foundation
@testable import StrataDeploy
import StrataKit
import StrataTestSupport
import Testing

/// `strata down --confirm-delay`, which the rollback Job runs: the warning names what will be reverted, then a pause
/// that a signal ends before anything is reverted. On real SQLite files.
@Suite("down --confirm-delay")
struct DownConfirmDelayTests {
    func workspace(_ body: (StrataCLI) async throws -> Void) async throws {
        try await TempDirectory.with { dir in
            let cli = StrataCLI(directory: dir.path)
            try cli.write("migrations/0001_create_orders.sql", "-- strata:up\nCREATE TABLE orders (id integer);\n-- strata:down\nDROP TABLE orders;\n")
            try cli.write("migrations/0002_add_invoices.sql", "-- strata:up\nCREATE TABLE invoices (id integer);\n-- strata:down\nDROP TABLE invoices;\n")
            let up = try cli.run(["up"])
            try #require(up.status == 0, "\(up.stderr)")
            try await body(cli)
        }
    }

    func applied(_ cli: StrataCLI) throws -> [String] {
        struct Status: Decodable { var migrations: [Item]; struct Item: Decodable { var version: String; var state: String } }
        let r = try cli.run(["status", "--json"])
        let status = try JSONDecoder().decode(Status.self, from: Data(r.stdout.utf8))
        return status.migrations.filter { $0.state == "applied" }.map(\.version)
    }

    @Test("the warning names every migration to be reverted, then they are reverted")
    func warnsThenReverts() async throws {
        try await workspace { cli in
            let r = try cli.run(["down", "--steps", "2", "--confirm-delay", "1s"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("WARNING: about to revert 2 migrations"), "\(r.stderr)")
            #expect(r.stderr.contains("may delete data"))
            #expect(r.stderr.contains("0002 add_invoices") && r.stderr.contains("0001 create_orders"))
            #expect(r.stderr.contains("Reverting in 1.0s"))
            #expect(try applied(cli) == [])
        }
    }

    @Test("--quiet does not hide the warning; nothing to revert means no warning and no wait; a bad duration exits 2")
    func edges() async throws {
        try await workspace { cli in
            var r = try cli.run(["down", "--confirm-delay", "1s", "--quiet"])
            #expect(r.status == 0 && r.stderr.contains("about to revert 1 migration on"), "\(r.stderr)")
            #expect(try applied(cli) == ["0001"])
            _ = try cli.run(["down"])
            r = try cli.run(["down", "--confirm-delay", "20s"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!r.stderr.contains("WARNING"))
            r = try cli.run(["down", "--confirm-delay", "soon"])
            #expect(r.status == 2 && r.stderr.contains("--confirm-delay soon"), "\(r.stderr)")
        }
    }

    @Test("SIGINT during the pause stops the run before anything is reverted (exit 130)")
    func interruptible() async throws {
        try await workspace { cli in
            let out = URL(fileURLWithPath: cli.directory).appendingPathComponent("down.out")
            let err = URL(fileURLWithPath: cli.directory).appendingPathComponent("down.err")
            let p = try cli.process(["down", "--steps", "2", "--confirm-delay", "10m"], stdout: out, stderr: err)
            try p.run()
            var warned = false
            for _ in 0..<300 where !warned {
                try await Task.sleep(for: .milliseconds(100))
                warned = (try? String(contentsOf: err, encoding: .utf8))?.contains("Reverting in") == true
            }
            #expect(warned, "no warning within 30 s")
            p.interrupt()
            for _ in 0..<300 where p.isRunning { try await Task.sleep(for: .milliseconds(100)) }
            if p.isRunning { p.terminate(); Issue.record("strata down did not stop after SIGINT") }
            p.waitUntilExit()
            let log = try String(contentsOf: err, encoding: .utf8)
            #expect(p.terminationStatus == 130, "\(log)")
            #expect(try applied(cli) == ["0001", "0002"])
        }
    }
}
