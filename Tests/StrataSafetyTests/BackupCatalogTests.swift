// BackupCatalog: file names, listing, finding, pruning, integrity checks and manifest permissions,
// on manifests and backup files written into a temporary directory.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety

/// A backup file with `content` and its manifest, written through the catalog.
@discardableResult
private func addBackup(_ catalog: BackupCatalog, file: String, createdAt: Date, content: String = "backup bytes",
                       fromVersion: String? = "0003") throws -> BackupCatalog.Entry {
    try catalog.prepare()
    let path = URL(fileURLWithPath: catalog.directory).appendingPathComponent(file).path
    try Data(content.utf8).write(to: URL(fileURLWithPath: path))
    let manifest = BackupManifest(file: file, engine: "sqlite", kind: "pre-migration", environment: "production", database: "sqlite:/x.sqlite",
                                  serverVersion: "SQLite 3", strataVersion: "test", fromVersion: fromVersion, sizeBytes: Int64(content.utf8.count),
                                  sha256: try BackupCatalog.sha256(ofFile: path), durationMs: 1, createdAt: createdAt, runID: nil, tool: "VACUUM INTO")
    return try catalog.write(manifest)
}

private let day: TimeInterval = 86_400

struct BackupCatalogTests {
    @Test func fileNameShape() throws {
        let date = try #require(ISO8601DateFormatter().date(from: "2026-11-23T18:45:01Z")).addingTimeInterval(0.25)
        #expect(BackupCatalog.fileName(kind: "pre-migration", environment: "production", at: date, fromVersion: "0003", engine: "postgres")
                == "pre-migration-production-20261123T184501250Z-v0003.dump")
        #expect(BackupCatalog.fileName(kind: "pre-migration", environment: "staging", at: date, fromVersion: "2024-01-05", engine: "sqlite")
                == "pre-migration-staging-20261123T184501250Z-v2024-01-05.sqlite")
        #expect(BackupCatalog.fileName(kind: "manual", environment: "eu/west 1", at: date, fromVersion: nil, engine: "postgres")
                == "manual-eu_west_1-20261123T184501250Z-v0.dump")
        // The stamp is UTC whatever the local time zone, and sorts as time does.
        let now = BackupCatalog.fileName(kind: "pre-migration", environment: "production", at: Date(), fromVersion: "7", engine: "sqlite")
        #expect(now.wholeMatch(of: /pre-migration-production-\d{8}T\d{9}Z-v7\.sqlite/) != nil, "\(now)")
    }

    @Test func listIsOldestFirstAndSkipsOtherFiles() throws {
        let dir = try SafetyTempDir("catalog-list")
        defer { dir.remove() }
        let catalog = BackupCatalog(directory: dir.file("backups"))
        #expect(try catalog.list().isEmpty, "a missing directory lists nothing")
        let now = Date()
        try addBackup(catalog, file: "b.sqlite", createdAt: now.addingTimeInterval(-2 * day))
        try addBackup(catalog, file: "c.sqlite", createdAt: now)
        try addBackup(catalog, file: "a.sqlite", createdAt: now.addingTimeInterval(-5 * day))
        try dir.write("backups/notes.json", "{\"not\": \"a manifest\"}")
        try dir.write("backups/broken.json", "{")
        #expect(try catalog.list().map(\.manifest.file) == ["a.sqlite", "b.sqlite", "c.sqlite"])
        #expect(try catalog.latest().manifest.file == "c.sqlite")
        let entry = try catalog.latest()
        #expect(entry.backupPath == dir.file("backups/c.sqlite"))
        #expect(entry.manifestPath == dir.file("backups/c.sqlite.json"))
    }

    @Test func findByNamePathManifestOrLatest() throws {
        let dir = try SafetyTempDir("catalog-find")
        defer { dir.remove() }
        let catalog = BackupCatalog(directory: dir.file("backups"))
        #expect(throws: SafetyError.self) { try catalog.latest() }
        let now = Date()
        try addBackup(catalog, file: "old.sqlite", createdAt: now.addingTimeInterval(-day))
        try addBackup(catalog, file: "new.sqlite", createdAt: now)
        #expect(try catalog.find("latest").manifest.file == "new.sqlite")
        #expect(try catalog.find("old.sqlite").manifest.file == "old.sqlite")
        #expect(try catalog.find(dir.file("backups/old.sqlite")).manifest.file == "old.sqlite")
        #expect(try catalog.find(dir.file("backups/old.sqlite.json")).manifest.file == "old.sqlite")
        // A backup moved elsewhere is found by the manifest beside it.
        let elsewhere = BackupCatalog(directory: dir.file("elsewhere"))
        try addBackup(elsewhere, file: "moved.sqlite", createdAt: now)
        let moved = try catalog.find(dir.file("elsewhere/moved.sqlite"))
        #expect(moved.backupPath == dir.file("elsewhere/moved.sqlite"))
        do {
            _ = try catalog.find("nope.sqlite")
            Issue.record("an unknown backup was found")
        } catch let e as SafetyError {
            #expect(e.message.contains("nope.sqlite") && e.message.contains("no such backup"), "\(e)")
        }
    }

    @Test func pruningByAgeAndCountKeepsTheNewest() throws {
        let dir = try SafetyTempDir("catalog-prune")
        defer { dir.remove() }
        let catalog = BackupCatalog(directory: dir.file("backups"))
        let now = Date()
        for (name, age) in [("d40", 40.0), ("d35", 35.0), ("d10", 10.0), ("d1", 1.0), ("d0", 0.0)] {
            try addBackup(catalog, file: name + ".sqlite", createdAt: now.addingTimeInterval(-age * day))
        }
        func names(_ entries: [BackupCatalog.Entry]) -> [String] { entries.map(\.manifest.file) }
        #expect(names(try catalog.prunable(keepDays: 30, keep: nil, now: now)) == ["d40.sqlite", "d35.sqlite"])
        #expect(names(try catalog.prunable(keepDays: 365, keep: 2, now: now)) == ["d40.sqlite", "d35.sqlite", "d10.sqlite"])
        #expect(names(try catalog.prunable(keepDays: 5, keep: 4, now: now)) == ["d40.sqlite", "d35.sqlite", "d10.sqlite"])
        #expect(names(try catalog.prunable(keepDays: 0, keep: nil, now: now)) == ["d40.sqlite", "d35.sqlite", "d10.sqlite", "d1.sqlite"])
        // Every backup too old: the newest is still kept.
        #expect(names(try catalog.prunable(keepDays: 30, keep: 1, now: now.addingTimeInterval(100 * day))).count == 4)

        try catalog.remove(try catalog.prunable(keepDays: 30, keep: nil, now: now))
        #expect(names(try catalog.list()) == ["d10.sqlite", "d1.sqlite", "d0.sqlite"])
        #expect(!FileManager.default.fileExists(atPath: dir.file("backups/d40.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: dir.file("backups/d40.sqlite.json")))

        let single = BackupCatalog(directory: dir.file("single"))
        try addBackup(single, file: "only.sqlite", createdAt: now.addingTimeInterval(-400 * day))
        #expect(try single.prunable(keepDays: 1, keep: 1, now: now).isEmpty)
    }

    @Test func integrityCheckCatchesAModifiedOrMissingFile() throws {
        let dir = try SafetyTempDir("catalog-integrity")
        defer { dir.remove() }
        let catalog = BackupCatalog(directory: dir.file("backups"))
        let entry = try addBackup(catalog, file: "b.sqlite", createdAt: Date(), content: "0123456789abcdef")
        try BackupCatalog.checkIntegrity(entry)
        // Same size, one byte changed.
        try Data("0123456789abcdeF".utf8).write(to: URL(fileURLWithPath: entry.backupPath))
        #expect(throws: SafetyError.self) { try BackupCatalog.checkIntegrity(entry) }
        // A longer file.
        try Data("0123456789abcdef+".utf8).write(to: URL(fileURLWithPath: entry.backupPath))
        #expect(throws: SafetyError.self) { try BackupCatalog.checkIntegrity(entry) }
        try FileManager.default.removeItem(atPath: entry.backupPath)
        do {
            try BackupCatalog.checkIntegrity(entry)
            Issue.record("a missing backup passed the integrity check")
        } catch let e as SafetyError {
            #expect(e.message.contains("missing"), "\(e)")
        }
    }

    @Test func manifestIsPrivateAndRoundTrips() throws {
        let dir = try SafetyTempDir("catalog-manifest")
        defer { dir.remove() }
        let catalog = BackupCatalog(directory: dir.file("backups"))
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        let entry = try addBackup(catalog, file: "b.dump", createdAt: created, fromVersion: nil)
        #expect(try permissions(entry.manifestPath) == 0o600)
        #expect(try permissions(dir.file("backups")) & 0o077 == 0, "the backup directory is private")
        #expect(!FileManager.default.fileExists(atPath: entry.manifestPath + ".tmp"))
        let read = try #require(try catalog.list().first)
        #expect(read.manifest == entry.manifest)
        #expect(read.manifest.fromVersion == nil)
        let json = try String(contentsOfFile: entry.manifestPath, encoding: .utf8)
        for key in ["\"size_bytes\"", "\"sha256\"", "\"server_version\"", "\"strata_version\"", "\"duration_ms\"", "\"created_at\" : \"2027-01-15T08:00:00Z\""] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
    }
}
