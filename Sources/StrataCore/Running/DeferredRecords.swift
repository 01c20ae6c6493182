import Foundation

/// The history writes of a `--single-transaction` run, kept until its last migration has run and then written in a
/// few multi-row statements before `COMMIT`: one statement per migration cost more than many migrations themselves.
/// Reverted versions are removed before applied ones are recorded, so `redo` (down, then up again) ends with the new rows.
///
/// ```swift
/// let records = DeferredRecords(expected: plan.steps.count)
/// records.add(.applied(row), event: event)
/// for sql in records.statements(store) { try await session.execute(sql) }
/// ```
final class DeferredRecords {
    enum Write {
        case applied(AppliedMigration)
        case reverted(MigrationVersion)
    }

    private var applied: [AppliedMigration] = []
    private var reverted: [MigrationVersion] = []
    private var events: [MigrationEvent] = []

    /// Rows per statement: keeps each statement a few hundred kilobytes at most.
    static let chunk = 500

    /// Records for a run of about `expected` migrations (the lists are sized once, not grown a row at a time).
    init(expected: Int = 0) {
        applied.reserveCapacity(expected)
        events.reserveCapacity(expected)
    }

    func add(_ write: Write, event: MigrationEvent) {
        switch write {
        case .applied(let row): applied.append(row)
        case .reverted(let version): reverted.append(version)
        }
        events.append(event)
    }

    /// The statements that write everything recorded, in order: removals, rows, events. Each is built when the
    /// sequence reaches it (over 10,000 migrations, all of them at once were 3 MB of SQL). Where the dialect has
    /// data-modifying `WITH`, the last write to the migrations table and the first events go as one statement (one
    /// round trip less; the two touch different tables, so nothing in one needs to see the other).
    func statements(_ store: HistoryStore) -> some Sequence<String> {
        func chunks(_ count: Int) -> [Range<Int>] {
            stride(from: 0, to: count, by: Self.chunk).map { $0..<min($0 + Self.chunk, count) }
        }
        // Repeatable rows replace the stored one (an upsert); numbered rows are plain inserts, so that a row that
        // is somehow already there fails the run instead of being overwritten.
        let reverted = reverted, events = events
        let numbered = applied.filter { !$0.version.isRepeatable }, repeatable = applied.filter(\.version.isRepeatable)
        var writes: [() -> String] = chunks(reverted.count).map { r in { store.delete(Array(reverted[r])) } }
        writes += chunks(numbered.count).map { r in { store.insert(Array(numbered[r])) } }
        writes += chunks(repeatable.count).map { r in { store.insert(Array(repeatable[r])) } }
        var recorded: [() -> String] = chunks(events.count).map { r in { store.insert(Array(events[r])) } }
        if store.dialect.supportsDataModifyingCTE, !recorded.isEmpty, let last = writes.popLast() {
            let first = recorded.removeFirst()
            writes.append { store.combined(last(), withEvents: first()) }
        }
        return (writes + recorded).lazy.map { $0() }
    }
}

/// Writing the history of a `--single-transaction` run failed after every migration had run: the whole run was
/// rolled back (nothing was applied) and no migration is at fault.
public struct HistoryWriteError: Error, Sendable, CustomStringConvertible {
    /// The database's error, redacted.
    public var cause: String
    public var description: String {
        "recording the run's history failed, so the whole run was rolled back and nothing was applied: \(cause)"
    }
}
