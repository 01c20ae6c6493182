import Foundation
@testable import StrataDeploy
import StrataKit
import Testing

@Suite("Status file JSON")
struct RunStatusTests {
    @Test("every key is present, null when unknown; the SOAR fields keep their names")
    func shape() throws {
        let data = try sampleStatus().jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object.keys.sorted() == RunStatus.keys)
        for key in ["status", "environment", "timestamp", "log_file", "message", "exit_code"] {
            #expect(object.keys.contains(key), "SOAR field \(key) missing")
        }
        for key in ["run_id", "pid", "host", "started_at", "updated_at", "from_version", "to_version", "current_migration", "applied"] {
            #expect(object.keys.contains(key), "field \(key) missing")
        }
        #expect(object["exit_code"] is NSNull)
        #expect(object["current_migration"] is NSNull)
        #expect(object["status"] as? String == "running")
        #expect((object["applied"] as? [Any])?.isEmpty == true)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""timestamp" : ""#) && text.hasSuffix("}\n"))
    }

    @Test("timestamps are ISO-8601 UTC with milliseconds, and a status reads back equal")
    func roundTrip() throws {
        var s = sampleStatus(startedAt: Date(timeIntervalSince1970: 1_795_000_000.25))
        s.status = .failed
        s.exitCode = 1
        s.fromVersion = "0001"
        s.toVersion = "0002"
        s.currentMigration = "0003_add_index"
        s.planned = 3
        s.applied = [RunStatusStep(version: "0002", name: "users", direction: "up", durationMs: 12)]
        let data = try s.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["started_at"] as? String == "2026-11-18T11:06:40.250Z")
        let step = try #require((object["applied"] as? [[String: Any]])?.first)
        #expect(step["duration_ms"] as? Int == 12 && step["version"] as? String == "0002")
        #expect(try RunStatus.decode(data) == s)
    }

    @Test("redaction covers the message, the command line and the database")
    func redaction() {
        var s = sampleStatus()
        s.command = "strata up -d postgres://app:hunter22@db/app"
        s.message = "login failed: password hunter22 rejected"
        s.database = "postgres://app:hunter22@db/app"
        let r = s.redacted(by: Redactor(secrets: ["hunter22"]))
        for text in [r.command, r.message, r.database ?? ""] { #expect(!text.contains("hunter22"), "\(text)") }
    }

    @Test("a file that is not a status file is an error naming it")
    func invalid() throws {
        try #require(throws: (any Error).self) { try RunStatus.decode(Data("{\"status\": \"running\"}".utf8)) }
    }
}
