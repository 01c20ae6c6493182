import Foundation
import StrataCore

/// A throwaway copy of the target database for a rehearsal, and how it was made.
public struct RehearsalCopy: Sendable {
    /// The copy's database name (PostgreSQL) or file path (SQLite).
    public var name: String
    public var target: DatabaseTarget
    /// `template` (CREATE DATABASE … TEMPLATE), `restore` (pg_restore -j of a dump) or `file copy` (SQLite VACUUM INTO).
    public var method: String
    public var durationMs: Int64
}

/// Makes, finds and drops rehearsal copies. Copies are named after their target so that a copy left by a
/// killed run is recognised and dropped at the start of the next one.
///
/// ```swift
/// let copies = RehearsalCopies(target: config.target, makeDriver: { Drivers.driver(for: $0) })
/// let stale = try await copies.dropStale()
/// let copy = try await copies.create(dump: nil)
/// defer { Task { try? await copies.drop(copy) } }
/// ```
public struct RehearsalCopies: Sendable {
    public let target: DatabaseTarget
    public let makeDriver: DriverFactory

    public init(target: DatabaseTarget, makeDriver: @escaping DriverFactory) {
        self.target = target
        self.makeDriver = makeDriver
    }

    // MARK: names

    static func fnv(_ text: String) -> String {
        var h: UInt32 = 2_166_136_261
        for b in text.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return String(format: "%08x", h)
    }

    /// `strata_rehearsal_<hash of the target database>_`: every copy of this target starts with it.
    public var postgresPrefix: String {
        guard case .postgres(let p) = target else { return "" }
        return "strata_rehearsal_\(Self.fnv(p.database ?? p.user))_"
    }

    /// SQLite: `.<file>.strata-rehearsal-` in the database's directory.
    var sqlitePrefix: (dir: String, prefix: String) {
        guard case .sqlite(let path) = target else { return ("", "") }
        let url = URL(fileURLWithPath: path)
        return (url.deletingLastPathComponent().path, ".\(url.lastPathComponent).strata-rehearsal-")
    }

    /// The maintenance database used to create and drop copies: `postgres`, or `template1` when the target is `postgres`.
    var maintenance: PostgresTarget? {
        guard case .postgres(let p) = target else { return nil }
        return p.maintenance
    }

    /// A SQLite copy's file and the files SQLite and Strata's lock put beside it.
    static let sqliteSuffixes = ["", "-journal", "-wal", "-shm", ".strata-lock"]

    // MARK: stale copies

    /// This host, hashed into copy names so a run can tell its own host's copies.
    static let hostHash = fnv(ProcessInfo.processInfo.hostName)

    /// A copy of this target is stale when no session uses it, or when a process on this host made it and is gone
    /// (a killed client's server session can linger until it next talks to the client).
    static func isOrphanedHere(_ name: String, prefix: String) -> Bool {
        let rest = name.dropFirst(prefix.count)
        guard rest.count == 16, rest.hasPrefix(hostHash), let pid = Int32(rest.dropFirst(8), radix: 16), pid > 0 else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Drops copies of this target that no session uses, or whose maker on this host is gone (left by a killed run); returns their names.
    public func dropStale() async throws -> [String] {
        switch target {
        case .postgres:
            guard let admin = maintenance else { return [] }
            let driver = makeDriver(.postgres(admin))
            return try await driver.withSession { s in
                let rows = try await s.query("""
                    SELECT d.datname, EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.datname = d.datname)
                    FROM pg_catalog.pg_database d WHERE starts_with(d.datname, \(driver.dialect.literal(postgresPrefix)))
                    """)
                var dropped: [String] = []
                for r in rows {
                    guard let name = r[0] else { continue }
                    let inUse = r[1] == "true" || r[1] == "t"
                    if inUse && !Self.isOrphanedHere(name, prefix: postgresPrefix) { continue }
                    try await s.execute("DROP DATABASE IF EXISTS \(driver.dialect.quote(name)) WITH (FORCE)")
                    dropped.append(name)
                }
                return dropped
            }
        case .sqlite:
            let (dir, prefix) = sqlitePrefix
            var dropped: [String] = []
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix(prefix) {
                guard let end = name.range(of: ".sqlite", options: .backwards) else { continue }
                let pidText = name[name.index(name.startIndex, offsetBy: prefix.count)..<end.lowerBound]
                if let pid = Int32(pidText), pid > 0, kill(pid, 0) == 0 || errno == EPERM { continue }
                let path = dir + "/" + name[..<end.upperBound]
                if dropped.contains(path) { continue }
                for suffix in Self.sqliteSuffixes { try? FileManager.default.removeItem(atPath: path + suffix) }
                dropped.append(path)
            }
            return dropped
        }
    }

    // MARK: create / drop

    /// Creates a copy: `TEMPLATE` when the target has no other sessions, else a restore of `dump` (or of a fresh dump)
    /// with `pg_restore -j`. SQLite: `VACUUM INTO` a file beside the database.
    public func create(dump: String?) async throws -> RehearsalCopy {
        let clock = ContinuousClock()
        let start = clock.now
        func ms() -> Int64 { let d = clock.now - start; return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000 }
        switch target {
        case .sqlite(let path):
            let (dir, prefix) = sqlitePrefix
            let copyPath = dir + "/" + prefix + String(getpid()) + ".sqlite"
            for suffix in Self.sqliteSuffixes { try? FileManager.default.removeItem(atPath: copyPath + suffix) }
            let driver = makeDriver(.sqlite(path: path))
            try await driver.withSession { try await $0.execute("VACUUM INTO \(SQLiteBackupEngine.quoted(copyPath))") }
            return RehearsalCopy(name: copyPath, target: .sqlite(path: copyPath), method: "file copy", durationMs: ms())
        case .postgres(let p):
            guard let admin = maintenance else { throw SafetyError(stage: .rehearsal, message: "no maintenance database") }
            // <prefix><host hash><pid>: at most one copy per target per process, recognisable as this host's.
            let name = postgresPrefix + Self.hostHash + String(format: "%08x", UInt32(truncatingIfNeeded: getpid()))
            var copyTarget = p
            copyTarget.database = name
            let driver = makeDriver(.postgres(admin))
            let q = driver.dialect
            let source = p.database ?? p.user
            let templated: Bool = try await driver.withSession { s in
                try await s.execute("DROP DATABASE IF EXISTS \(q.quote(name)) WITH (FORCE)")
                let others = try await s.query("SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = \(q.literal(source))").first?[0] ?? "1"
                guard others == "0" else { return false }
                // PostgreSQL 15+ copies the files directly with FILE_COPY instead of writing every block to the WAL.
                let major = Int(try await s.query("SHOW server_version_num").first?[0] ?? "0").map { $0 / 10000 } ?? 0
                let strategy = major >= 15 ? " STRATEGY = FILE_COPY" : ""
                do {
                    try await s.execute("CREATE DATABASE \(q.quote(name)) TEMPLATE \(q.quote(source))\(strategy)")
                    return true
                } catch let e as DatabaseError where e.sqlState == "55006" {
                    return false // a session connected in between: use a dump instead
                } catch let e as DatabaseError where e.sqlState == "42501" {
                    throw SafetyError(stage: .rehearsal, message: "the user \(p.user) may not create databases (\(e.message)); grant it CREATEDB, or skip the rehearsal with --skip-test")
                }
            }
            if templated {
                return RehearsalCopy(name: name, target: .postgres(copyTarget), method: "template", durationMs: ms())
            }
            let engine = PostgresBackupEngine(target: p, makeDriver: makeDriver)
            var dumpPath = dump
            var temporary: String?
            if dumpPath == nil {
                let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("strata-rehearsal-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).dump").path
                _ = try await engine.backup(to: tmp)
                dumpPath = tmp
                temporary = tmp
            }
            defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
            try await driver.withSession { try await $0.execute("CREATE DATABASE \(q.quote(name)) TEMPLATE template0") }
            do {
                let (_, tools) = try await engine.tools()
                let jobs = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
                try await tools.command(tools.pgRestore, ["--no-password", "--exit-on-error", "--jobs=\(jobs)", "--dbname=\(name)", dumpPath ?? ""],
                                        target: copyTarget, database: name).runChecked()
            } catch {
                let copy = RehearsalCopy(name: name, target: .postgres(copyTarget), method: "restore", durationMs: ms())
                await dropDetached(copy)
                throw error
            }
            return RehearsalCopy(name: name, target: .postgres(copyTarget), method: "restore", durationMs: ms())
        }
    }

    /// Drops the copy (closing any session still on it).
    public func drop(_ copy: RehearsalCopy) async throws {
        switch copy.target {
        case .sqlite(let path):
            for suffix in Self.sqliteSuffixes { try? FileManager.default.removeItem(atPath: path + suffix) }
        case .postgres:
            guard let admin = maintenance else { return }
            let driver = makeDriver(.postgres(admin))
            try await driver.withSession { try await $0.execute("DROP DATABASE IF EXISTS \(driver.dialect.quote(copy.name)) WITH (FORCE)") }
        }
    }

    /// Drops the copy even when the calling task is cancelled (SIGINT, SIGTERM, --timeout).
    public func dropDetached(_ copy: RehearsalCopy) async {
        let me = self
        await Task { try? await me.drop(copy) }.value
    }
}
