import Foundation
import StrataCore

/// `strata up` on a database another tool migrated, with no Strata history yet: running every migration again
/// would fail half-way (or worse). The guard stops it and points at `strata adopt`.
public struct ForeignHistoryRefusal: Error, Sendable, CustomStringConvertible {
    /// The other tools' histories that record applied migrations.
    public var histories: [ForeignHistory]
    public var description: String {
        let what = histories.map { h in
            let n: String = switch h.applied {
            case .keys(let k): "\(k.count) migration\(k.count == 1 ? "" : "s") applied"
            case .through(let k): "applied through \(h.source.tool.keyNoun) \(k)"
            case .nothing: "nothing applied"
            }
            return "\(h.source.tool) (\(h.source.table): \(n)\(h.dirty ? ", dirty" : ""))"
        }.joined(separator: ", ")
        let from = histories.count > 1 ? " --from " + histories.map(\.source.tool.rawValue).joined(separator: "|") : ""
        return "the database has the history of another migration tool, \(what), and no Strata history: `strata up` would run every migration again. "
            + "Run `strata adopt\(from)` to take that history over (`strata adopt\(from) --dry-run` shows what it records), "
            + "or pass --allow-foreign-history to apply every migration anyway. Nothing was run."
    }
}

public enum ForeignHistoryGuard {
    /// Reads (never writes, never locks) whether `up` should stop: no Strata history and another tool's table that records applied migrations.
    /// - Parameter keepConnection: leave the connection open for the driver's next session (the run that follows;
    ///   see ``DatabaseDriver/withSessionKeptForNext(_:)``) instead of closing it.
    /// - Returns: the refusal to throw, or nil to go ahead.
    public static func check(migrator: Migrator, keepConnection: Bool = false) async throws -> ForeignHistoryRefusal? {
        let dialect = migrator.driver.dialect
        let body: (any DatabaseSession) async throws -> ForeignHistoryRefusal? = { session in
            let (bound, exists) = try await migrator.boundAndExists(on: session)
            // One row is enough to know Strata has a history (a no-op `up` over 10,000 applied migrations must stay cheap).
            if exists,
               try await !session.query("SELECT 1 FROM \(dialect.qualified(bound.store.migrationsTable)) LIMIT 1").isEmpty { return nil }
            var found: [ForeignHistory] = []
            for table in try await ForeignHistoryReader.detect(on: session, dialect: dialect) {
                let h = try await ForeignHistoryReader.read(table, on: session, dialect: dialect)
                if h.recordsAnything { found.append(h) }
            }
            return found.isEmpty ? nil : ForeignHistoryRefusal(histories: found)
        }
        return keepConnection ? try await migrator.driver.withSessionKeptForNext(body) : try await migrator.driver.withSession(readOnly: true, body)
    }
}
