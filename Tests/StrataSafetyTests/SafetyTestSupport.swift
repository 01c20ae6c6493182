// Helpers shared by the StrataSafety tests: temporary project directories with a strata.toml, migrators
// built the way the CLI builds them, and views of a SQLite database that do not go through Strata's
// backup code (schema text, every table's rows, user_version).

import Foundation
import Testing
import StrataKit
@testable import StrataSafety
import StrataTestSupport

/// A fresh directory under the system temp dir. Call `remove()` in a `defer`.
struct SafetyTempDir {
    let url: URL
    var path: String { url.path }

    init(_ label: String = "safety") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The absolute path of `relative` inside the directory.
    func file(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    /// Writes UTF-8 text at `relative`, creating parent folders; returns the path.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    /// Names in the directory (hidden ones included), sorted.
    func names() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Resolves the configuration of a project in `dir` (its strata.toml, if written) as the CLI does.
func resolveConfig(in dir: SafetyTempDir, env: String? = nil, database: String? = nil, configFile: String? = nil,
                   variables: [String: String] = [:], workingDirectory: String? = nil) throws(ConfigError) -> StrataConfig {
    var o = ConfigOverrides()
    o.environment = env
    o.database = database
    o.configFile = configFile
    return try ConfigResolver.resolve(o, variables: variables, workingDirectory: workingDirectory ?? dir.path)
}

/// The flags of `strata up`, set in one expression.
func safetyFlags(safe: Bool = false, skipBackup: Bool = false, skipTest: Bool = false, force: Bool = false,
                 keepDays: Int? = nil, keep: Int? = nil) -> SafetyFlags {
    var f = SafetyFlags()
    f.safe = safe
    f.skipBackup = skipBackup
    f.skipTest = skipTest
    f.force = force
    f.keepDays = keepDays
    f.keep = keep
    return f
}

/// A migrator for the configured target, built like `CommandContext.migrator()` (without the CLI's recorder hook).
func makeMigrator(_ config: StrataConfig) -> Migrator {
    var context = RunContext(environment: config.environment, strataVersion: StrataVersion.current)
    context.redactor = config.redactor
    return Migrator(driver: Drivers.driver(for: config.target), migrationsTable: config.migrationsTableName,
                    eventsTable: config.eventsTableName, context: context)
}

func runOptions() -> RunOptions {
    var o = RunOptions()
    o.lockWait = .seconds(30)
    return o
}

/// A safe `up` of every pending migration with the configuration's safety settings and `flags`.
func safeUp(_ config: StrataConfig, _ files: [String: String], flags: SafetyFlags = SafetyFlags(),
            timeout: Duration? = nil) async throws -> SafetyReport {
    try await makeSafeMigration(config, files, flags: flags, timeout: timeout).run()
}

/// The safe run `safeUp` does, built like the CLI's `SafeUp.perform`.
func makeSafeMigration(_ config: StrataConfig, _ files: [String: String], flags: SafetyFlags = SafetyFlags(),
                       timeout: Duration? = nil) async throws -> SafeMigration {
    let settings = try SafetySettings.resolve(config: config, flags: flags)
    var safe = SafeMigration(settings: settings, target: config.target, makeDriver: { Drivers.driver(for: $0) },
                             migrator: makeMigrator(config), migrations: try await InMemorySource(files: files).migrations(),
                             request: .up(to: nil), options: runOptions())
    safe.timeout = timeout
    return safe
}

/// A plain (unsafe) `up` of `files`, to bring a database to a starting version.
func plainUp(_ config: StrataConfig, _ files: [String: String]) async throws {
    _ = try await makeMigrator(config).run(.up(to: nil), migrations: try await InMemorySource(files: files).migrations(), options: runOptions())
}

/// Runs statements on a database, one session, in order.
func execute(_ target: DatabaseTarget, _ statements: [String]) async throws {
    try await Drivers.driver(for: target).withSession { s in
        for sql in statements { try await s.execute(sql) }
    }
}

/// The rows of one query, every value as text ("NULL" for SQL NULL).
func rows(_ target: DatabaseTarget, _ sql: String) async throws -> [[String]] {
    try await Drivers.driver(for: target).withSession { try await $0.query(sql) }.map { $0.values.map { $0 ?? "NULL" } }
}

/// The first value of a query.
func scalar(_ target: DatabaseTarget, _ sql: String) async throws -> String? {
    try await rows(target, sql).first?.first
}

/// What a SQLite database holds, read straight from SQLite: every schema object's SQL, every table's rows
/// (sorted, so that physical order does not matter) and `user_version`.
struct SQLiteSnapshot: Equatable, CustomStringConvertible {
    var schema: [String]
    var tables: [String: [String]]
    var userVersion: String

    /// `ignoringData`: tables whose rows are left out (their schema is kept), e.g. `strata_events`, which a run adds to.
    static func of(_ path: String, ignoringData ignored: Set<String> = []) async throws -> SQLiteSnapshot {
        let target = DatabaseTarget.sqlite(path: path)
        let schema = try await rows(target, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").map { $0.joined(separator: " | ") }
        var tables: [String: [String]] = [:]
        for name in try await rows(target, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map({ $0[0] }) where !ignored.contains(name) {
            var data = try await rows(target, "SELECT * FROM \"\(name)\"").map { $0.joined(separator: " | ") }
            if name == "sqlite_sequence" { data = data.filter { row in !ignored.contains(where: { row.hasPrefix($0 + " |") }) } }
            tables[name] = data.sorted()
        }
        return SQLiteSnapshot(schema: schema, tables: tables, userVersion: try await scalar(target, "PRAGMA user_version") ?? "?")
    }

    var description: String {
        (schema + ["user_version \(userVersion)"] + tables.keys.sorted().map { "\($0): \(tables[$0] ?? [])" }).joined(separator: "\n")
    }
}

/// SHA-256 of a file's bytes.
func fileDigest(_ path: String) throws -> String { try BackupCatalog.sha256(ofFile: path) }

/// POSIX permission bits of a file.
func permissions(_ path: String) throws -> Int {
    try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
}

/// Rehearsal copies (and their side files) left in a SQLite database's directory.
func rehearsalLeftovers(in dir: SafetyTempDir) -> [String] { dir.names().filter { $0.contains(".strata-rehearsal-") } }

/// The id of a process that has exited (a child that ran `/bin/true` and was waited for).
func deadProcessID() throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/true")
    try p.run()
    p.waitUntilExit()
    return p.processIdentifier
}
