import Foundation
import StrataCore

/// Takes and restores whole-database backups for one kind of database.
public protocol BackupEngine: Sendable {
    /// `postgres` or `sqlite`, as written in manifests.
    var engine: String { get }
    /// Writes a backup of the target to `path` (which must not exist); returns the server version and the tool used.
    func backup(to path: String) async throws -> (serverVersion: String, tool: String)
    /// Replaces the target's whole contents with the backup at `path`, all or nothing.
    func restore(from path: String) async throws
}

/// Opens a driver for a database target; the CLI passes `Drivers.driver(for:)`.
public typealias DriverFactory = @Sendable (DatabaseTarget) -> any DatabaseDriver

/// The backup engine for a target.
public enum BackupEngines {
    public static func engine(for target: DatabaseTarget, makeDriver: @escaping DriverFactory) -> any BackupEngine {
        switch target {
        case .postgres(let p): PostgresBackupEngine(target: p, makeDriver: makeDriver)
        case .sqlite(let path): SQLiteBackupEngine(path: path, makeDriver: makeDriver)
        }
    }
}
