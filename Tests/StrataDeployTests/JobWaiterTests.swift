import Foundation
@testable import StrataDeploy
import StrataKit
import Synchronization
import Testing

@Suite("Waiting for a run")
struct JobWaiterTests {
    func settings(timeout: Duration = .seconds(10)) -> WaitSettings {
        var s = WaitSettings()
        s.timeout = timeout
        s.poll = .milliseconds(20)
        s.progress = .milliseconds(50)
        return s
    }

    @Test("returns when the run completes, with progress reports on the way")
    func completes() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            try file.write(sampleStatus())
            let finisher = Task.detached {
                try await Task.sleep(for: .milliseconds(300))
                var s = sampleStatus()
                s.status = .completed
                s.exitCode = 0
                try file.write(s)
            }
            let progress = Mutex(0)
            let outcome = try await JobWaiter(inspector: RunInspector(file: file, lockPath: dir.file(".lock"))).wait(settings()) { event in
                if case .progress = event { progress.withLock { $0 += 1 } }
            }
            try await finisher.value
            guard case .completed(let s) = outcome else { Issue.record("\(outcome)"); return }
            #expect(s.exitCode == 0)
            #expect(progress.withLock { $0 } >= 1)
        }
    }

    @Test("failed and crashed runs end the wait at once")
    func failedAndCrashed() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            let waiter = JobWaiter(inspector: RunInspector(file: file, lockPath: dir.file(".lock")))
            var s = sampleStatus()
            s.status = .failed
            s.exitCode = 1
            try file.write(s)
            guard case .failed = try await waiter.wait(settings()) else { Issue.record("not failed"); return }
            try file.write(sampleStatus(pid: 4_000_000))
            guard case .crashed = try await waiter.wait(settings()) else { Issue.record("not crashed"); return }
        }
    }

    @Test("a run still going at the timeout: timedOut; no status file: notStarted")
    func timeoutAndMissing() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            let waiter = JobWaiter(inspector: RunInspector(file: file, lockPath: dir.file(".lock")))
            guard case .notStarted(nil) = try await waiter.wait(settings()) else { Issue.record("expected notStarted"); return }
            try file.write(sampleStatus())
            guard case .timedOut(let s?) = try await waiter.wait(settings(timeout: .milliseconds(200))) else { Issue.record("expected timedOut"); return }
            #expect(s.status == .running)
        }
    }

    @Test("with `since`, the previous run's result is ignored until a newer run appears")
    func since() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            var old = sampleStatus(startedAt: Date().addingTimeInterval(-600))
            old.status = .completed
            try file.write(old)
            var s = settings()
            s.since = Date()
            s.startTimeout = .milliseconds(200)
            let waiter = JobWaiter(inspector: RunInspector(file: file, lockPath: dir.file(".lock")))
            guard case .notStarted(let found?) = try await waiter.wait(s) else { Issue.record("the old run was taken for a new one"); return }
            #expect(found.runID == old.runID)
            s.startTimeout = .seconds(10)
            let writer = Task.detached {
                try await Task.sleep(for: .milliseconds(200))
                var new = sampleStatus()
                new.runID = "new"
                new.status = .failed
                new.exitCode = 5
                try file.write(new)
            }
            guard case .failed(let f) = try await waiter.wait(s) else { Issue.record("the new run was not seen"); return }
            #expect(f.runID == "new")
            try await writer.value
        }
    }
}
