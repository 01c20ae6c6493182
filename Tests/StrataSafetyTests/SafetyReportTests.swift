// SafetyReport.write on SQLite runs: the three files (text, JSON, log), their permissions, finding a run's
// report, redaction of a secret the configuration knows, and pruning old backups after a successful run.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety

struct SafetyReportTests {
    @Test func writesTextJSONAndLogThatFindCanLocate() async throws {
        let p = try await SQLiteSafeProject.make("report-files")
        defer { p.dir.remove() }
        let safe = try await makeSafeMigration(p.config, SafeFixtures.all(SafeFixtures.pending(replacing: "0004_tags.sql", with: SafeFixtures.failingTags)),
                                               flags: safetyFlags(skipTest: true))
        var report = try await safe.run()
        #expect(report.outcome == .rolledBack)
        let files = try report.write(to: safe.settings.reportDirectory, log: safe.log.all, redactor: p.config.redactor)
        #expect(report.reportFiles == files)
        let names = files.map { URL(fileURLWithPath: $0).lastPathComponent }
        let suffix = String(report.runID.suffix(8))
        #expect(names.count == 3)
        #expect(names[0].hasPrefix("migration-report-production-") && names[0].hasSuffix("-\(suffix).txt"), "\(names)")
        #expect(names[1].hasPrefix("migration-report-production-") && names[1].hasSuffix("-\(suffix).json"), "\(names)")
        #expect(names[2].hasPrefix("migration-production-") && names[2].hasSuffix("-\(suffix).log"), "\(names)")
        for f in files {
            #expect(f.hasPrefix(p.dir.file("reports/production/")))
            #expect(try permissions(f) == 0o640, "\(f)")
        }

        let text = try String(contentsOfFile: files[0], encoding: .utf8)
        for words in ["outcome:      rolled_back", "versions:     0001 -> 0001", "Automatic rollback (completed, by down", "reverted: 0003, 0002",
                      "Backup", "0004", "rehearsal skipped (--skip-test)"] {
            #expect(text.contains(words), "\(words) in\n\(text)")
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: files[1]))) as? [String: Any])
        #expect(json["outcome"] as? String == "rolled_back")
        #expect(json["run_id"] as? String == report.runID)
        #expect(json["from_version"] as? String == "0001")
        #expect((json["rollback"] as? [String: Any])?["method"] as? String == "down")
        #expect((json["backup"] as? [String: Any])?["size_bytes"] as? Int == Int(report.backup?.sizeBytes ?? -1))
        #expect((json["migrations"] as? [Any])?.count == 2)
        #expect((json["stages"] as? [[String: Any]])?.map { $0["stage"] as? String } == ["backup", "apply", "rollback"])
        #expect(json["cause"] == nil)
        let log = try String(contentsOfFile: files[2], encoding: .utf8)
        #expect(log.contains("[backup] ok") && log.contains("[apply] FAILED") && log.contains("outcome: rolled_back"), "\(log)")

        #expect(SafetyReports.find(runID: report.runID, in: safe.settings.reportDirectory) == files[1])
        #expect(SafetyReports.find(runID: "20990101T000000-deadbeef", in: safe.settings.reportDirectory) == nil)
        #expect(SafetyReports.find(runID: report.runID, in: p.dir.file("nowhere")) == nil)
    }

    @Test func aSecretTheConfigurationKnowsIsRedactedEverywhere() async throws {
        let dir = try SafetyTempDir("report-secret")
        defer { dir.remove() }
        try dir.write("strata.toml", "[environments.production]\ndatabase = \"sqlite:app.sqlite\"\n")
        let secret = "hunter2-" + UUID().uuidString
        let config = try resolveConfig(in: dir, env: "production", variables: ["DB_PASSWORD": secret])
        try await plainUp(config, SafeFixtures.baseline)
        let leaky = "-- strata:up\nINSERT INTO items (id, name, qty) VALUES (9, '\(secret)', 1);\nINSERT INTO items (id, name, qty) VALUES (9, '\(secret)', 2);\n"
        let safe = try await makeSafeMigration(config, SafeFixtures.all(["0002_leak.sql": leaky]), flags: safetyFlags(force: true))
        var report = try await safe.run()
        #expect(report.outcome == .rolledBack)
        let files = try report.write(to: safe.settings.reportDirectory, log: safe.log.all, redactor: config.redactor)
        for f in files {
            let body = try String(contentsOfFile: f, encoding: .utf8)
            #expect(!body.contains(secret), "\(f) holds the secret")
        }
        #expect(try String(contentsOfFile: files[0], encoding: .utf8).contains("***"), "the secret was there to redact")
    }

    @Test func aSuccessfulRunPrunesOldBackupsAndAFailedOneDoesNot() async throws {
        let p = try await SQLiteSafeProject.make("report-prune")
        defer { p.dir.remove() }
        let catalog = BackupCatalog(directory: p.dir.file("backups/production"))
        try catalog.prepare()
        func old(_ name: String, days: Double) throws {
            try p.dir.write("backups/production/\(name)", "old")
            _ = try catalog.write(BackupManifest(file: name, engine: "sqlite", kind: "pre-migration", environment: "production", database: "sqlite:x",
                                                 serverVersion: "SQLite", strataVersion: "test", fromVersion: "0001", sizeBytes: 3,
                                                 sha256: try fileDigest(p.dir.file("backups/production/\(name)")), durationMs: 0,
                                                 createdAt: Date().addingTimeInterval(-days * 86_400), runID: nil, tool: nil))
        }
        try old("ancient.sqlite", days: 40)
        try old("recent.sqlite", days: 2)

        // A failed run keeps everything.
        let failed = try await p.up(SafeFixtures.pending(replacing: "0004_tags.sql", with: SafeFixtures.failingTags), flags: safetyFlags(skipTest: true))
        #expect(failed.outcome == .rolledBack)
        #expect(try catalog.list().count == 3)

        let ok = try await p.up(SafeFixtures.pending, flags: safetyFlags(keepDays: 30))
        #expect(ok.outcome == .ok, "\(ok.error ?? "")")
        let left = try catalog.list().map(\.manifest.file)
        #expect(!left.contains("ancient.sqlite"), "\(left)")
        #expect(left.contains("recent.sqlite") && left.count == 3, "\(left)")
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("backups/production/ancient.sqlite")))
        #expect(ok.backup.map { left.contains(URL(fileURLWithPath: $0.path).lastPathComponent) } == true)
    }
}
