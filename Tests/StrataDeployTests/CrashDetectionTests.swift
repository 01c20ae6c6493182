import Foundation
@testable import StrataDeploy
import StrataKit
import Testing

@Suite("Crash detection")
struct CrashDetectionTests {
    let host = ProcessInfo.processInfo.hostName

    @Test("running, process alive, fresh heartbeat: still running")
    func alive() {
        let s = sampleStatus()
        #expect(CrashDetector.crashReason(s) == nil)
        #expect(CrashDetector.assess(s) == s)
    }

    @Test("running but the process is gone: crashed, naming the migration and the pid")
    func processGone() {
        var s = sampleStatus(pid: 4_000_000)
        s.currentMigration = "0003_add_index"
        let now = Date()
        let c = CrashDetector.assess(s, now: now, localHost: host, isAlive: { _ in false })
        #expect(c.status == .crashed)
        #expect(c.timestamp == now)
        #expect(c.exitCode == nil)
        #expect(c.message.contains("0003_add_index") && c.message.contains("4000000"))
    }

    @Test("a heartbeat older than 30 s is a crash; 29 s is not")
    func staleHeartbeat() {
        let s = sampleStatus()
        let fresh = s.updatedAt.addingTimeInterval(29)
        let stale = s.updatedAt.addingTimeInterval(31)
        #expect(CrashDetector.assess(s, now: fresh, localHost: host, isAlive: { _ in true }).status == .running)
        let c = CrashDetector.assess(s, now: stale, localHost: host, isAlive: { _ in true })
        #expect(c.status == .crashed)
        #expect(c.message.contains("heartbeat"))
    }

    @Test("another host's pid is not checked here; only its heartbeat is")
    func otherHost() {
        let s = sampleStatus(pid: 4_000_000, host: "db-runner-2")
        #expect(CrashDetector.assess(s, now: s.updatedAt.addingTimeInterval(10), localHost: host, isAlive: { _ in false }).status == .running)
        #expect(CrashDetector.assess(s, now: s.updatedAt.addingTimeInterval(40), localHost: host, isAlive: { _ in false }).status == .crashed)
    }

    @Test("finished runs are left as they are", arguments: [RunState.completed, .failed, .crashed])
    func finished(_ state: RunState) {
        var s = sampleStatus(pid: 4_000_000)
        s.status = state
        #expect(CrashDetector.assess(s, now: s.updatedAt.addingTimeInterval(3600), localHost: host, isAlive: { _ in false }) == s)
    }

    @Test("ProcessProbe: this process is alive; a killed child not yet reaped (a zombie) is not")
    func zombie() async throws {
        #expect(ProcessProbe.isAlive(getpid()))
        #expect(!ProcessProbe.isAlive(0))
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("30"), nil]
        defer { for p in argv { free(p) } }
        try #require(posix_spawn(&pid, "/bin/sleep", nil, nil, &argv, environ) == 0)
        #expect(ProcessProbe.isAlive(pid))
        kill(pid, SIGKILL)
        var gone = false
        for _ in 0..<200 where !gone {
            gone = !ProcessProbe.isAlive(pid)
            if !gone { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(gone, "a killed (zombie) process still counts as alive")
        #expect(kill(pid, 0) == 0, "the zombie should still exist until it is reaped")
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(!ProcessProbe.isAlive(pid))
    }

    @Test("RunInspector writes a detected crash back to the file, and leaves a live run alone")
    func inspectorPersists() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            let inspector = RunInspector(file: file, lockPath: dir.file(".staging.lock"))
            try file.write(sampleStatus())
            #expect(try inspector.current()?.status == .running)
            #expect(try file.read()?.status == .running)
            try file.write(sampleStatus(pid: 4_000_000))
            #expect(try inspector.current()?.status == .crashed)
            #expect(try file.read()?.status == .crashed)
        }
    }
}
