import Foundation
import StrataCore

/// Takes a backup into a catalog directory with its manifest, and restores one.
///
/// ```swift
/// let service = BackupService(target: config.target, makeDriver: { Drivers.driver(for: $0) }, directory: "backups/production")
/// let entry = try await service.take(kind: "manual", environment: "production", fromVersion: "0003", runID: nil, strataVersion: "0.1.0")
/// print(entry.backupPath, entry.manifest.sizeBytes)
/// ```
public struct BackupService: Sendable {
    public var target: DatabaseTarget
    public var makeDriver: DriverFactory
    public var directory: String

    public init(target: DatabaseTarget, makeDriver: @escaping DriverFactory, directory: String) {
        self.target = target
        self.makeDriver = makeDriver
        self.directory = directory
    }

    public var engine: any BackupEngine { BackupEngines.engine(for: target, makeDriver: makeDriver) }

    public func take(kind: String, environment: String, fromVersion: String?, runID: String?, strataVersion: String) async throws -> BackupCatalog.Entry {
        let catalog = BackupCatalog(directory: directory)
        try catalog.prepare()
        let engine = self.engine
        let created = Date()
        let name = BackupCatalog.fileName(kind: kind, environment: environment, at: created, fromVersion: fromVersion, engine: engine.engine)
        let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
        let start = ContinuousClock.now
        let (serverVersion, tool) = try await engine.backup(to: path)
        let duration = milliseconds(since: start)
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path), let size = (attrs[.size] as? NSNumber)?.int64Value else {
            throw SafetyError(stage: .backup, message: "\(path): the backup file was not written")
        }
        let manifest = BackupManifest(file: name, engine: engine.engine, kind: kind, environment: environment, database: target.display,
                                      serverVersion: serverVersion, strataVersion: strataVersion, fromVersion: fromVersion, sizeBytes: size,
                                      sha256: try BackupCatalog.sha256(ofFile: path), durationMs: duration, createdAt: created, runID: runID, tool: tool)
        return try catalog.write(manifest)
    }

    /// Checks the backup against its manifest, then replaces the target's contents with it (all or nothing).
    public func restore(_ entry: BackupCatalog.Entry) async throws {
        try BackupCatalog.checkIntegrity(entry)
        guard entry.manifest.engine == engine.engine else {
            throw SafetyError(stage: .rollback, message: "\(entry.backupPath) is a \(entry.manifest.engine) backup; the target is \(engine.engine)")
        }
        try await engine.restore(from: entry.backupPath)
    }
}
