import Foundation
import StrataCore

/// Backups of a SQLite file with `VACUUM INTO` (an online, consistent copy); restores that replace every table,
/// index, view and trigger in one transaction.
public struct SQLiteBackupEngine: BackupEngine {
    public let path: String
    public let makeDriver: DriverFactory
    public var engine: String { "sqlite" }

    public init(path: String, makeDriver: @escaping DriverFactory) {
        self.path = path
        self.makeDriver = makeDriver
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
    static func ident(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    public func backup(to destination: String) async throws -> (serverVersion: String, tool: String) {
        guard path != ":memory:" else { throw SafetyError(stage: .backup, message: "an in-memory SQLite database cannot be backed up") }
        let driver = makeDriver(.sqlite(path: path))
        let version = try await driver.withSession { session in
            try await session.execute("VACUUM INTO \(Self.quoted(destination))")
            return try await driver.serverVersion(on: session)
        }
        _ = chmod(destination, 0o600)
        return (version, "VACUUM INTO")
    }

    public func restore(from source: String) async throws {
        guard FileManager.default.isReadableFile(atPath: source) else {
            throw SafetyError(stage: .rollback, message: "\(source): cannot read the backup")
        }
        let driver = makeDriver(.sqlite(path: path))
        try await driver.withSession { session in
            try await session.execute("PRAGMA foreign_keys = OFF")
            try await session.execute("ATTACH DATABASE \(Self.quoted(source)) AS strata_backup")
            do {
                try await session.withTransaction(begin: "BEGIN IMMEDIATE") { s in
                    try await Self.replaceContents(on: s)
                }
            } catch {
                try? await session.execute("DETACH DATABASE strata_backup")
                throw error
            }
            try await session.execute("DETACH DATABASE strata_backup")
        }
    }

    /// Drops every object of `main` and recreates it from `strata_backup`: tables with their rows, then indexes, views, triggers.
    static func replaceContents(on s: any DatabaseSession) async throws {
        let current = try await s.query("SELECT type, name FROM main.sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND type IN ('view', 'trigger', 'table')")
        for kind in ["trigger", "view", "table"] {
            for row in current where row[0] == kind {
                guard let name = row[1] else { continue }
                try await s.execute("DROP \(kind.uppercased()) IF EXISTS main.\(ident(name))")
            }
        }
        let saved = try await s.query("SELECT type, name, sql FROM strata_backup.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid")
        for row in saved where row[0] == "table" {
            guard let name = row[1], let sql = row[2] else { continue }
            try await s.execute(sql)
            try await s.execute("INSERT INTO main.\(ident(name)) SELECT * FROM strata_backup.\(ident(name))")
        }
        if try await !s.query("SELECT 1 FROM strata_backup.sqlite_master WHERE name = 'sqlite_sequence'").isEmpty,
           try await !s.query("SELECT 1 FROM main.sqlite_master WHERE name = 'sqlite_sequence'").isEmpty {
            try await s.execute("DELETE FROM main.sqlite_sequence")
            try await s.execute("INSERT INTO main.sqlite_sequence SELECT * FROM strata_backup.sqlite_sequence")
        }
        for kind in ["index", "view", "trigger"] {
            for row in saved where row[0] == kind {
                if let sql = row[2] { try await s.execute(sql) }
            }
        }
        if let v = try await s.query("PRAGMA strata_backup.user_version").first?[0], let n = Int(v) {
            try await s.execute("PRAGMA main.user_version = \(n)")
        }
    }
}
