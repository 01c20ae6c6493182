// Small helpers shared by the StrataCore unit tests: temporary directories and hand-built
// migrations / history rows for the planner and status tests.

import Foundation
import Testing
@testable import StrataCore

/// A fresh directory under the system temp dir. Call `remove()` in a `defer`.
struct TempDir {
    let url: URL
    var path: String { url.path }

    init(_ label: String = "core") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("strata-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes UTF-8 text at `relative`, creating parent folders.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> URL {
        try writeBytes(relative, Array(text.utf8))
    }

    /// Writes raw bytes at `relative`, creating parent folders.
    @discardableResult
    func writeBytes(_ relative: String, _ bytes: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(at: url.appendingPathComponent(relative), withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: url.appendingPathComponent(relative).path,
                                                   withDestinationPath: destination)
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// A version known to be valid (test inputs only).
func version(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> MigrationVersion {
    try #require(MigrationVersion(text), "test input \(text) should be a version", sourceLocation: sourceLocation)
}

/// A migration built by hand: `up`/`down` are the section texts; file names follow the single-file layout.
func makeMigration(_ v: String, _ name: String = "m", up: String? = nil, down: String? = "SELECT 'down';",
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> Migration {
    let file = "\(v)_\(name).sql"
    let upText = up ?? "SELECT '\(v) up';"
    return Migration(
        version: try version(v, sourceLocation: sourceLocation), name: name,
        up: MigrationScript(file: file, text: upText, statements: [SQLStatement(sql: upText, line: 2, column: 1)]),
        down: down.map { MigrationScript(file: file, text: $0, statements: [SQLStatement(sql: $0, line: 4, column: 1)]) },
        verify: nil, files: [file])
}

/// A history row for `migration`, applied with its current checksum unless `checksum` is given.
func appliedRow(_ migration: Migration, checksum: String? = nil, state: AppliedState = .applied,
                failedStatement: Int? = nil) -> AppliedMigration {
    AppliedMigration(version: migration.version, name: migration.name, checksum: checksum ?? migration.checksum,
                     appliedAt: Date(timeIntervalSince1970: 1_800_000_000), durationMs: 12, appliedBy: "tester",
                     host: "testhost", strataVersion: "test", state: state, failedStatement: failedStatement)
}

/// A history row whose migration file does not exist.
func orphanRow(_ v: String, name: String = "gone", sourceLocation: SourceLocation = #_sourceLocation) throws -> AppliedMigration {
    AppliedMigration(version: try version(v, sourceLocation: sourceLocation), name: name, checksum: String(repeating: "a", count: 64),
                     appliedAt: Date(timeIntervalSince1970: 1_800_000_000), durationMs: 1, appliedBy: "tester",
                     host: "testhost", strataVersion: "test")
}

/// The SourceError thrown by `body`, or a recorded failure.
func sourceError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> SourceError? {
    do {
        try await body()
        Issue.record("expected a SourceError, nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as SourceError {
        return error
    } catch {
        Issue.record("expected a SourceError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Asserts `text` contains every one of `words`.
func expectContains(_ text: String, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    for word in words {
        #expect(text.contains(word), "expected \(word.debugDescription) in: \(text)", sourceLocation: sourceLocation)
    }
}
