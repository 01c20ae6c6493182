import Foundation
@testable import StrataDeploy
import StrataKit
import Testing

@Suite("Run log")
struct RunLogTests {
    @Test("file name migration-<env>-<YYYYMMDD_HHMMSS>.log in UTC; odd environment names made safe")
    func name() {
        let date = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(RunLog.fileName(environment: "staging", date: date) == "migration-staging-20261118_110640.log")
        #expect(RunLog.fileName(environment: "../etc/x y", date: date) == "migration-_._etc_x_y-20261118_110640.log")
    }

    @Test("every line is timestamped and redacted; mode 0640; a second log in the same second gets a suffix")
    func lines() async throws {
        try await TempDirectory.with { dir in
            let date = Date(timeIntervalSince1970: 1_795_000_000)
            let log = try RunLog.create(directory: dir.path, environment: "staging", date: date, redactor: Redactor(secrets: ["pw-123456"]))
            log.write("one\ntwo with pw-123456\n")
            log.write("three\r\n")
            log.write("")
            let lines = try RunLog.lines(path: log.path)
            #expect(lines.count == 4)
            for line in lines {
                let stamp = try #require(line.split(separator: " ", maxSplits: 1).first)
                #expect(Timestamps.parse(String(stamp)) != nil, "not timestamped: \(line)")
            }
            #expect(lines.map { $0.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? "" } == ["one", "two with ***", "three", ""])
            #expect(try fileMode(log.path) == 0o640)
            let second = try RunLog.create(directory: dir.path, environment: "staging", date: date)
            #expect(second.path.hasSuffix("migration-staging-20261118_110640-2.log"))
            #expect(try RunLog.lines(path: log.path, last: 2).count == 2)
        }
    }
}
