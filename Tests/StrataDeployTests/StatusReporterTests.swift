import Foundation
@testable import StrataDeploy
import StrataKit
import Testing

@Suite("Status reporter: heartbeat, throttling, final state")
struct StatusReporterTests {
    @Test("start writes at once; the heartbeat keeps rewriting updated_at while running")
    func heartbeat() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            let reporter = StatusReporter(file: file, initial: sampleStatus(), heartbeat: .milliseconds(100))
            reporter.start()
            let first = try #require(try file.read()).updatedAt
            var later = first
            for _ in 0..<100 where later == first {
                try await Task.sleep(for: .milliseconds(20))
                later = try #require(try file.read()).updatedAt
            }
            #expect(later > first, "the heartbeat never rewrote the file")
            reporter.finish(.completed, exitCode: 0, message: "done")
        }
    }

    @Test("a burst of updates is coalesced, yet the last change reaches the file")
    func throttled() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            let reporter = StatusReporter(file: file, initial: sampleStatus(), minimumInterval: .milliseconds(200))
            reporter.start()
            for i in 1...500 {
                reporter.update { $0.applied.append(RunStatusStep(version: String(i), name: "m", direction: "up", durationMs: 0)) }
            }
            var count = try file.read()?.applied.count ?? 0
            #expect(count < 500, "every update was written at once")
            for _ in 0..<100 where count < 500 {
                try await Task.sleep(for: .milliseconds(20))
                count = try file.read()?.applied.count ?? 0
            }
            #expect(count == 500)
            reporter.finish(.completed, exitCode: 0, message: "done")
        }
    }

    @Test("finish writes the state, exit code and message; later updates and heartbeats change nothing")
    func finish() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            let reporter = StatusReporter(file: file, initial: sampleStatus(), heartbeat: .milliseconds(50))
            reporter.start()
            reporter.update { $0.currentMigration = "0002_users" }
            reporter.finish(.failed, exitCode: 1, message: "migration 0002 users failed") { $0.toVersion = "0001" }
            let final = try #require(try file.read())
            #expect(final.status == .failed && final.exitCode == 1 && final.toVersion == "0001")
            #expect(final.message == "migration 0002 users failed")
            #expect(final.currentMigration == "0002_users", "a failed run keeps the migration it failed in")
            reporter.update(force: true) { $0.message = "late" }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try file.read() == final)
        }
    }

    @Test("secrets are redacted in what is written")
    func redacts() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            var s = sampleStatus()
            s.command = "strata up -d postgres://app:s3cr3t-pw@db/app"
            let reporter = StatusReporter(file: file, initial: s, redactor: Redactor(secrets: ["s3cr3t-pw"]))
            reporter.start()
            reporter.finish(.failed, exitCode: 3, message: "could not log in with s3cr3t-pw")
            let text = try String(contentsOfFile: file.path, encoding: .utf8)
            #expect(!text.contains("s3cr3t-pw"))
            #expect(text.contains("***"))
        }
    }

    @Test("a status file that cannot be written is reported, not thrown")
    func unwritable() {
        let reporter = StatusReporter(file: StatusFile(path: "/nonexistent-dir/staging.json"), initial: sampleStatus())
        reporter.start()
        #expect(reporter.lastError?.contains("/nonexistent-dir/staging.json") == true)
        reporter.finish(.completed, exitCode: 0, message: "done")
    }
}
