import Foundation
import StrataCore

/// The PostgreSQL client programs (pg_dump, pg_restore, psql) of one major version, and how to point them at a target.
///
/// ```swift
/// let tools = try await PostgresTools.locate(serverMajor: 15)
/// print(tools.pgDump)   // /usr/lib/postgresql/15/bin/pg_dump
/// ```
public struct PostgresTools: Sendable {
    public var binDirectory: String
    public var major: Int
    public var pgDump: String { binDirectory + "/pg_dump" }
    public var pgRestore: String { binDirectory + "/pg_restore" }
    public var psql: String { binDirectory + "/psql" }

    /// Directories searched, in order: `STRATA_PG_BINDIR`, the usual per-version install places, then `PATH`.
    public static func candidateDirectories(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var dirs: [String] = []
        if let d = environment["STRATA_PG_BINDIR"], !d.isEmpty { dirs.append(d) }
        let fm = FileManager.default
        for root in ["/usr/lib/postgresql", "/usr/local/lib/postgresql"] {
            let versions = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            dirs += versions.map { "\(root)/\($0)/bin" }
        }
        for v in stride(from: 20, through: 9, by: -1) {
            dirs += ["/usr/pgsql-\(v)/bin", "/opt/homebrew/opt/postgresql@\(v)/bin", "/usr/local/opt/postgresql@\(v)/bin"]
        }
        dirs += (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        var seen = Set<String>()
        return dirs.filter { seen.insert($0).inserted }
    }

    /// The tools whose major version matches the server's; otherwise the oldest newer one (pg_dump reads older
    /// servers, never newer). Fails naming what was found when none fits.
    public static func locate(serverMajor: Int, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> PostgresTools {
        var found: [(dir: String, major: Int)] = []
        let fm = FileManager.default
        for dir in candidateDirectories(environment: environment) {
            let dump = dir + "/pg_dump"
            guard fm.isExecutableFile(atPath: dump), fm.isExecutableFile(atPath: dir + "/pg_restore") else { continue }
            guard let r = try? await ExternalCommand(executable: dump, arguments: ["--version"]).run(), r.status == 0,
                  let major = majorVersion(fromVersionOutput: r.stdout) else { continue }
            if major == serverMajor { return PostgresTools(binDirectory: dir, major: major) }
            if found.contains(where: { $0.major == major }) { continue }
            found.append((dir, major))
        }
        if let exact = found.first(where: { $0.major == serverMajor }) { return PostgresTools(binDirectory: exact.dir, major: exact.major) }
        if let newer = found.filter({ $0.major > serverMajor }).min(by: { $0.major < $1.major }) {
            return PostgresTools(binDirectory: newer.dir, major: newer.major)
        }
        let seen = found.isEmpty ? "none was found" : "found only " + found.map { "\($0.major) (\($0.dir))" }.joined(separator: ", ")
        throw SafetyError(stage: .backup, message: """
            no pg_dump/pg_restore for PostgreSQL \(serverMajor) or newer: \(seen).
            Install the client programs of the server's version (Debian: apt-get install postgresql-client-\(serverMajor)), or set STRATA_PG_BINDIR to their directory.
            """)
    }

    /// `pg_dump (PostgreSQL) 15.4 (Debian 15.4-1.pgdg120+1)` → 15; `pg_dump (PostgreSQL) 9.6.24` → 9.
    public static func majorVersion(fromVersionOutput text: String) -> Int? {
        guard let r = text.range(of: "(PostgreSQL) ") else { return nil }
        let digits = text[r.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// `PostgreSQL 15.4 (Debian…)` or `15.4` → 15.
    public static func majorVersion(fromServerVersion text: String) -> Int? {
        let rest = text.hasPrefix("PostgreSQL ") ? text.dropFirst("PostgreSQL ".count) : Substring(text)
        return Int(rest.prefix { $0.isNumber })
    }

    /// libpq variables that point these tools at `target` (the password travels only here, never in arguments).
    public static func environment(for target: PostgresTarget, database: String? = nil) -> [String: String] {
        var env: [String: String] = [
            "PGHOST": target.socketDirectory ?? target.host,
            "PGPORT": String(target.port),
            "PGUSER": target.user,
            "PGDATABASE": database ?? target.database ?? target.user,
            "PGSSLMODE": target.sslMode.rawValue,
            "PGCONNECT_TIMEOUT": String(max(1, Int(target.connectTimeout.components.seconds))),
            "PGAPPNAME": "strata",
        ]
        if let pw = target.password { env["PGPASSWORD"] = pw }
        if let ca = target.sslRootCert { env["PGSSLROOTCERT"] = ca }
        return env
    }

    /// The caller's libpq settings that could change where the tools connect; removed before they run.
    public static let clearedVariables = ["PGPASSWORD", "PGSERVICE", "PGSERVICEFILE", "PGOPTIONS", "PGHOSTADDR", "PGSSLROOTCERT",
                                          "PGTARGETSESSIONATTRS", "PGSSLCERT", "PGSSLKEY", "PGREQUIRESSL"]

    /// A command for one of these tools pointed at `target`.
    public func command(_ executable: String, _ arguments: [String], target: PostgresTarget, database: String? = nil) -> ExternalCommand {
        var c = ExternalCommand(executable: executable, arguments: arguments, environment: Self.environment(for: target, database: database))
        c.removedVariables = Self.clearedVariables
        return c
    }
}
