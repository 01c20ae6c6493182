import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// Connecting: TLS modes, and failures that must come out as ConnectionError without the password.
@Suite(.enabled(if: TestEnvironment.postgresEnabled), .timeLimit(.minutes(1)))
struct PostgresConnectionTests {
    /// The test server reached through the name `localhost` (the name in its certificate).
    func localhostTarget(_ sslMode: PostgresTarget.SSLMode, rootCert: String? = nil) throws -> PostgresTarget {
        var t = try DriverTestDatabase.postgresServerTarget()
        t.host = "localhost"
        t.sslMode = sslMode
        t.sslRootCert = rootCert
        return t
    }

    /// Whether the session's connection is encrypted, as the server sees it.
    func sslInUse(_ target: PostgresTarget) async throws -> String? {
        try await PostgresDriver(target: target).withSession {
            try await $0.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        }.first?[0]
    }

    @Test func sslModeRequireConnectsWithTLS() async throws {
        #expect(try await sslInUse(try localhostTarget(.require)) == "true")
    }

    @Test func sslModeVerifyFullWithTheServersCAConnects() async throws {
        let ca = try #require(TestEnvironment.postgresCA, "STRATA_TEST_PG_CA must name the test server's CA (pg-cluster.sh start --tls)")
        #expect(try await sslInUse(try localhostTarget(.verifyFull, rootCert: ca)) == "true")
    }

    @Test func sslModeVerifyFullWithAnotherCAFails() async throws {
        let dir = try DriverTestDatabase.temporaryDirectory(prefix: "strata-wrong-ca")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = dir.appendingPathComponent("wrong-ca.crt").path
        try makeSelfSignedCA(at: ca, key: dir.appendingPathComponent("wrong-ca.key").path)
        let error = try await #require(throws: ConnectionError.self) {
            try await PostgresDriver(target: try localhostTarget(.verifyFull, rootCert: ca)).withSession { try await $0.execute("SELECT 1") }
        }
        #expect(error.target.contains("localhost"))
    }

    @Test func wrongPasswordIsConnectionErrorWithoutThePassword() async throws {
        var target = try DriverTestDatabase.postgresServerTarget()
        let wrong = "wrong-pw-\(UInt32.random(in: 100_000...999_999))"
        target.password = wrong
        let error = try await #require(throws: ConnectionError.self) {
            try await PostgresDriver(target: target).withSession { try await $0.execute("SELECT 1") }
        }
        #expect(error.reason.contains("password authentication failed"))
        let texts = [error.description, error.reason, error.underlying ?? "", String(reflecting: error)]
        for text in texts {
            #expect(!text.contains(wrong), "the password leaked: \(text)")
            #expect(!text.contains(TestEnvironment.postgresPassword), "the server password leaked: \(text)")
        }
    }

    @Test func unreachablePortIsConnectionError() async throws {
        var target = try DriverTestDatabase.postgresServerTarget()
        target.port = 1
        target.connectTimeout = .seconds(5)
        let error = try await #require(throws: ConnectionError.self) {
            try await PostgresDriver(target: target).withSession { try await $0.execute("SELECT 1") }
        }
        #expect(error.target.contains(":1/"))
        #expect(!error.description.contains(TestEnvironment.postgresPassword))
    }

    func makeSelfSignedCA(at cert: String, key: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
                       "-keyout", key, "-out", cert, "-subj", "/CN=Not The Strata Test CA",
                       "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "openssl could not make a CA")
    }
}
