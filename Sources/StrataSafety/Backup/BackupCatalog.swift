import Crypto
import Foundation
import StrataCore

/// The backups in one directory: naming, listing, pruning and checking.
///
/// ```swift
/// let catalog = BackupCatalog(directory: "backups/production")
/// for entry in try catalog.list() { print(entry.manifest.file, entry.manifest.sizeBytes) }
/// ```
public struct BackupCatalog: Sendable {
    public var directory: String

    public init(directory: String) { self.directory = directory }

    public struct Entry: Sendable, Hashable {
        public var manifest: BackupManifest
        public var manifestPath: String
        public var backupPath: String { manifest.backupPath(manifestPath: manifestPath) }
    }

    /// `pre-migration-<env>-<UTC timestamp>-v<version>.<ext>`; `kind` is `pre-migration` or `manual`.
    public static func fileName(kind: String, environment: String, at date: Date, fromVersion: String?, engine: String) -> String {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        func two(_ v: Int?) -> String { String(format: "%02d", v ?? 0) }
        let stamp = String(format: "%04d", c.year ?? 0) + two(c.month) + two(c.day) + "T" + two(c.hour) + two(c.minute) + two(c.second)
            + String(format: "%03d", (c.nanosecond ?? 0) / 1_000_000) + "Z"
        let safeEnv = String(environment.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return "\(kind)-\(safeEnv)-\(stamp)-v\(fromVersion ?? "0").\(engine == "sqlite" ? "sqlite" : "dump")"
    }

    /// Every backup with a readable manifest, oldest first.
    public func list() throws -> [Entry] {
        let fm = FileManager.default
        guard fm.fileExists(atPath: directory) else { return [] }
        let names = try fm.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        var out: [Entry] = []
        for name in names {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            guard let data = fm.contents(atPath: path), let m = try? BackupManifest.decoder.decode(BackupManifest.self, from: data) else { continue }
            out.append(Entry(manifest: m, manifestPath: path))
        }
        return out.sorted { ($0.manifest.createdAt, $0.manifest.file) < ($1.manifest.createdAt, $1.manifest.file) }
    }

    /// The newest backup, or a clear error when there is none.
    public func latest() throws -> Entry {
        guard let e = try list().last else {
            throw SafetyError(stage: .backup, message: "no backups in \(directory); take one with `strata backup`")
        }
        return e
    }

    /// Finds a backup by `latest`, its file name, or a path to the backup or its manifest.
    public func find(_ reference: String) throws -> Entry {
        if reference == "latest" { return try latest() }
        let entries = try list()
        let absolute = reference.hasPrefix("/") ? reference : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(reference).standardizedFileURL.path
        if let e = entries.first(where: { $0.manifest.file == reference || $0.backupPath == absolute || $0.manifestPath == absolute }) { return e }
        // A backup outside the directory: its manifest sits beside it.
        let manifestPath = absolute.hasSuffix(".json") ? absolute : absolute + ".json"
        if let data = FileManager.default.contents(atPath: manifestPath), let m = try? BackupManifest.decoder.decode(BackupManifest.self, from: data) {
            return Entry(manifest: m, manifestPath: manifestPath)
        }
        throw SafetyError(stage: .backup, message: "\(reference): no such backup (no manifest \(manifestPath)); `strata backups` lists them")
    }

    /// Writes the manifest beside the backup, atomically, readable by the owner only.
    public func write(_ manifest: BackupManifest) throws -> Entry {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(manifest.file + ".json").path
        let data = try BackupManifest.encoder.encode(manifest)
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw SafetyError(stage: .backup, message: "cannot write \(tmp)")
        }
        guard rename(tmp, path) == 0 else { throw SafetyError(stage: .backup, message: "cannot write \(path): \(String(cString: strerror(errno)))") }
        return Entry(manifest: manifest, manifestPath: path)
    }

    /// Creates the directory (mode 0700) when missing.
    public func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SafetyError(stage: .backup, message: "cannot create the backup directory \(directory): \(error.localizedDescription)")
        }
    }

    /// Which backups pruning removes: older than `keepDays` days, or beyond the `keep` newest. The newest is always kept.
    public func prunable(keepDays: Int, keep: Int?, now: Date = Date()) throws -> [Entry] {
        let entries = try list()
        guard entries.count > 1 else { return [] }
        let cutoff = now.addingTimeInterval(-Double(keepDays) * 86_400)
        var doomed: [Entry] = []
        for (i, e) in entries.enumerated() {
            let fromNewest = entries.count - 1 - i
            if fromNewest == 0 { continue }
            if e.manifest.createdAt < cutoff || (keep.map { fromNewest >= $0 } ?? false) { doomed.append(e) }
        }
        return doomed
    }

    /// Deletes the given backups and their manifests.
    public func remove(_ entries: [Entry]) throws {
        for e in entries {
            try? FileManager.default.removeItem(atPath: e.backupPath)
            try FileManager.default.removeItem(atPath: e.manifestPath)
        }
    }

    /// SHA-256 of a file, read in 1 MiB blocks.
    public static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SafetyError(stage: .backup, message: "cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Fails unless the backup file exists and matches its manifest's size and SHA-256.
    public static func checkIntegrity(_ entry: Entry) throws {
        let path = entry.backupPath
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path), let size = (attrs[.size] as? NSNumber)?.int64Value else {
            throw SafetyError(stage: .backup, message: "\(path): the backup file is missing")
        }
        guard size == entry.manifest.sizeBytes, try sha256(ofFile: path) == entry.manifest.sha256 else {
            throw SafetyError(stage: .backup, message: "\(path): does not match its manifest (size or SHA-256 differ); it may be damaged")
        }
    }
}
