import Foundation
import StrataKit

/// Facts about the test run, from the variables `scripts/test.sh` exports.
public enum TestEnvironment {
    static var env: [String: String] { ProcessInfo.processInfo.environment }

    /// The throwaway PostgreSQL server's URL (a superuser), or nil when the tests run without one.
    public static var postgresURL: String? { env["STRATA_TEST_PG_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    /// True when `scripts/test.sh` started a server: PostgreSQL tests must then run, never skip.
    public static var requirePostgres: Bool { env["STRATA_TEST_REQUIRE_PG"] == "1" }
    /// Whether PostgreSQL tests run: a server is configured, or required (then a missing one fails loudly).
    public static var postgresEnabled: Bool { postgresURL != nil || requirePostgres }
    public static var postgresPassword: String { env["STRATA_TEST_PG_PASSWORD"] ?? "strata-secret-pw" }
    public static var postgresCA: String? { env["STRATA_TEST_PG_CA"] }
    public static var psql: String { env["STRATA_TEST_PSQL"] ?? "/usr/lib/postgresql/15/bin/psql" }

    /// The built `strata` executable: STRATA_BIN, or the debug build beside the package.
    public static var strataBinary: String {
        if let bin = env["STRATA_BIN"], !bin.isEmpty { return bin }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/strata").path
    }

    public struct MissingServer: Error, CustomStringConvertible {
        public var description: String { "STRATA_TEST_REQUIRE_PG=1 but STRATA_TEST_PG_URL is not set; run the tests with scripts/test.sh" }
    }

    /// The server URL, or a failure when it is required but absent.
    public static func requiredPostgresURL() throws -> String {
        guard let url = postgresURL else { throw MissingServer() }
        return url
    }
}
