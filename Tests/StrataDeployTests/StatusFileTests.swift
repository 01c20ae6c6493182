import Foundation
@testable import StrataDeploy
import StrataKit
import Synchronization
import Testing

@Suite("Status file: atomic writes")
struct StatusFileTests {
    @Test("mode 0640 whatever the umask, no temporary file left behind, missing file reads as nil")
    func modeAndLeftovers() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            #expect(try file.read() == nil)
            let old = umask(0o077)
            defer { umask(old) }
            try file.write(sampleStatus())
            #expect(try fileMode(file.path) == 0o640)
            umask(0)
            try file.write(sampleStatus(), sync: true)
            #expect(try fileMode(file.path) == 0o640)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["staging.json"])
            #expect(try file.read()?.runID == sampleStatus().runID)
        }
    }

    @Test("readIfRunning decodes a file that may record a run in progress, and skips one that records a finished run")
    func readIfRunningSkipsFinishedRuns() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            #expect(try file.readIfRunning() == nil)
            var status = sampleStatus()
            status.message = "started"
            status.detached = false
            try file.write(status)
            // In progress: decoded, whatever the message.
            #expect(try file.readIfRunning()?.status == .running)
            // Finished, with many steps: not decoded.
            status.status = .completed
            status.message = "Migration completed successfully"
            status.applied = (1...2_000).map { RunStatusStep(version: String($0), name: "t\($0)", direction: "up", durationMs: 1) }
            try file.write(status)
            #expect(try file.read()?.status == .completed)
            #expect(try file.readIfRunning() == nil)
            // Finished, but a migration's name says "running": decoded, and read as finished.
            status.applied.append(RunStatusStep(version: "2001", name: "running", direction: "up", durationMs: 1))
            try file.write(status)
            #expect(try file.readIfRunning()?.status == .completed)
            // Not a status file but mentions "running": the same error as read().
            try Data(#"{"status" : "running""#.utf8).write(to: URL(fileURLWithPath: file.path))
            #expect(throws: DeployError.self) { try file.readIfRunning() }
        }
    }

    @Test("a reader in a tight loop always sees complete JSON while a writer rewrites the file")
    func readerNeverSeesPartialFile() async throws {
        try await TempDirectory.with { dir in
            let file = StatusFile(path: dir.file("staging.json"))
            try file.write(sampleStatus())
            let stop = Atomic<Bool>(false)
            let writer = Task.detached {
                var s = sampleStatus()
                for i in 0..<1500 {
                    // Sizes vary, so a torn read could not pass as valid JSON by chance.
                    s.applied = (0..<(i % 40)).map { RunStatusStep(version: String(format: "%04d", $0), name: "m\($0)", direction: "up", durationMs: 1) }
                    s.message = String(repeating: "x", count: i % 300)
                    try file.write(s)
                }
                stop.store(true, ordering: .sequentiallyConsistent)
            }
            var reads = 0
            var bad: [String] = []
            while !stop.load(ordering: .sequentiallyConsistent) {
                guard let data = FileManager.default.contents(atPath: file.path) else { bad.append("missing"); break }
                if (try? JSONSerialization.jsonObject(with: data)) == nil { bad.append(String(decoding: data.prefix(80), as: UTF8.self)) }
                reads += 1
            }
            try await writer.value
            #expect(bad.isEmpty, "\(bad.count) of \(reads) reads were not valid JSON: \(bad.prefix(3))")
            #expect(reads > 10)
        }
    }

    @Test("the environment lock is exclusive across descriptors, and a holder makes others time out")
    func lock() async throws {
        try await TempDirectory.with { dir in
            let path = dir.file(".staging.lock")
            try StatusLock.withLock(path: path) {
                #expect(throws: DeployError.self) { try StatusLock.withLock(path: path, timeout: .milliseconds(100)) {} }
            }
            let value = try StatusLock.withLock(path: path, timeout: .milliseconds(100)) { 42 }
            #expect(value == 42)
        }
    }
}
