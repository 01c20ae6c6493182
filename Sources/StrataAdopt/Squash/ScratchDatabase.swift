import Foundation
import StrataCore

/// Throwaway databases on the target's server for `strata squash`: created from `template0` on the server's
/// maintenance database, named `strata_squash_<pid>_<suffix>` (one of the same name is dropped first), dropped with
/// FORCE when done.
struct ScratchDatabases: Sendable {
    let server: PostgresTarget
    let makeDriver: @Sendable (DatabaseTarget) -> any DatabaseDriver

    static let prefix = "strata_squash_"

    func create(_ suffix: String) async throws -> PostgresTarget {
        let name = "\(Self.prefix)\(ProcessInfo.processInfo.processIdentifier)_\(suffix)"
        let driver = makeDriver(.postgres(server.maintenance))
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
        let driver = makeDriver(.postgres(server.maintenance))
        _ = try? await driver.withSession { try await $0.execute("DROP DATABASE IF EXISTS \(driver.dialect.quote(name)) WITH (FORCE)") }
    }
}
