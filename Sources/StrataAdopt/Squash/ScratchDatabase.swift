import Foundation
import StrataCore

/// Throwaway databases on the target's server for `strata squash`: created from `template0`, named
/// `strata_squash_<pid>_<n>`, dropped (with FORCE) when done or when a later squash finds them left behind.
struct ScratchDatabases: Sendable {
    let server: PostgresTarget
    let makeDriver: @Sendable (DatabaseTarget) -> any DatabaseDriver

    static let prefix = "strata_squash_"

    /// The maintenance database the scratch databases are created from.
    var maintenance: PostgresTarget {
        var p = server
        p.database = (p.database ?? p.user) == "postgres" ? "template1" : "postgres"
        return p
    }

    func create(_ suffix: String) async throws -> PostgresTarget {
        let name = "\(Self.prefix)\(ProcessInfo.processInfo.processIdentifier)_\(suffix)"
        let driver = makeDriver(.postgres(maintenance))
        let q = driver.dialect
        try await driver.withSession { s in
            try await s.execute("DROP DATABASE IF EXISTS \(q.quote(name)) WITH (FORCE)")
            try await s.execute("CREATE DATABASE \(q.quote(name)) TEMPLATE template0")
        }
        var t = server
        t.database = name
        return t
    }

    func drop(_ target: PostgresTarget) async {
        guard let name = target.database, name.hasPrefix(Self.prefix) else { return }
        let driver = makeDriver(.postgres(maintenance))
        _ = try? await driver.withSession { try await $0.execute("DROP DATABASE IF EXISTS \(driver.dialect.quote(name)) WITH (FORCE)") }
    }
}
