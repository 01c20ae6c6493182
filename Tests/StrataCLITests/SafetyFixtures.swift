import Foundation
import StrataKit
import StrataTestSupport

/// Helpers for the safety pipeline's end-to-end tests on PostgreSQL.
extension CLITestDatabase {
    /// `pg_dump --schema-only` of this database, without the random `\restrict` keys.
    func schemaDump() throws -> String {
        let bin = ProcessInfo.processInfo.environment["STRATA_TEST_PG_BINDIR"] ?? "/usr/lib/postgresql/15/bin"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin + "/pg_dump")
        p.arguments = ["--schema-only", "--no-password", "-h", host, "-p", String(port), "-U", user, name]
        var env = CLIWorkspace.cleanEnvironment()
        env["PGPASSWORD"] = password
        env["PGSSLMODE"] = "prefer"
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }.joined(separator: "\n")
    }

    /// table → md5 of all its rows (sorted), for every user table.
    func rowChecksums() async throws -> [String: String] {
        var out: [String: String] = [:]
        for t in try await userTables() {
            out[t] = try await scalar("SELECT coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), 'empty') FROM \(t) x")
        }
        return out
    }

    /// Rehearsal copies of this database left on the server.
    func rehearsalCopies() async throws -> [String] {
        let admin = PostgresDriver(target: { var t = target; t.database = "postgres"; return t }())
        let prefix = RehearsalCopies(target: .postgres(target), makeDriver: { Drivers.driver(for: $0) }).postgresPrefix
        return try await admin.withSession { s in
            try await s.query("SELECT datname FROM pg_database WHERE starts_with(datname, '\(prefix)') ORDER BY 1").compactMap { $0[0] }
        }
    }
}

extension CLIWorkspace {
    /// strata.toml with a `production` environment pointing at `db`, plus extra lines for it.
    func productionConfig(_ db: CLITestDatabase, _ extra: String = "") throws {
        try write("strata.toml", """
            [environments.production]
            database = "\(db.url)"
            \(extra)
            """)
    }

    /// Every file under the workspace's backups/ and reports/ folders, read as bytes → text.
    func safetyFiles() throws -> [String: String] {
        var out: [String: String] = [:]
        for folder in ["backups", "reports"] {
            let root = path(folder)
            guard let walker = FileManager.default.enumerator(atPath: root) else { continue }
            for case let rel as String in walker {
                let full = root + "/" + rel
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue,
                   let data = FileManager.default.contents(atPath: full) {
                    out[folder + "/" + rel] = String(decoding: data, as: UTF8.self)
                }
            }
        }
        return out
    }
}
