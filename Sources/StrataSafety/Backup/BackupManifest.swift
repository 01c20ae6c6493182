import Foundation
import StrataCore

/// The JSON file written beside every backup (`<backup>.json`).
///
/// ```json
/// {"file": "pre-migration-production-20261123T184501Z-v0003.dump", "engine": "postgres", "database": "postgres://app@db:5432/app",
///  "server_version": "PostgreSQL 15.4", "strata_version": "0.1.0", "from_version": "0003", "size_bytes": 123456,
///  "sha256": "…", "duration_ms": 812, "created_at": "2026-11-23T18:45:01Z", "kind": "pre-migration", "environment": "production"}
/// ```
public struct BackupManifest: Sendable, Codable, Hashable {
    /// The backup's file name, in the same directory as the manifest.
    public var file: String
    /// `postgres` (pg_dump custom format) or `sqlite` (a database file).
    public var engine: String
    public var kind: String
    public var environment: String
    /// The database, without its password.
    public var database: String
    public var serverVersion: String
    public var strataVersion: String
    /// The latest applied version when the backup was taken (nil when none was).
    public var fromVersion: String?
    public var sizeBytes: Int64
    public var sha256: String
    public var durationMs: Int64
    public var createdAt: Date
    public var runID: String?
    /// The pg_dump used, e.g. `pg_dump (PostgreSQL) 15.4`.
    public var tool: String?

    enum CodingKeys: String, CodingKey {
        case file, engine, kind, environment, database, serverVersion = "server_version", strataVersion = "strata_version"
        case fromVersion = "from_version", sizeBytes = "size_bytes", sha256, durationMs = "duration_ms", createdAt = "created_at"
        case runID = "run_id", tool
    }

    /// Where the backup file is, given the manifest's own path.
    public func backupPath(manifestPath: String) -> String {
        URL(fileURLWithPath: manifestPath).deletingLastPathComponent().appendingPathComponent(file).path
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}
