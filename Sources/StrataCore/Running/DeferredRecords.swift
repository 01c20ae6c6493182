import Foundation

/// The history writes of a `--single-transaction` run, kept until its last migration has run and then written in a
/// few multi-row statements before `COMMIT`: one statement per migration cost more than many migrations themselves.
/// Reverted versions are removed before applied ones are recorded, so `redo` (down, then up again) ends with the new rows.
///
/// ```swift
/// let records = DeferredRecords()
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

    func add(_ write: Write, event: MigrationEvent) {
        switch write {
        case .applied(let row): applied.append(row)
        case .reverted(let version): reverted.append(version)
        }
        events.append(event)
    }

    /// The statements that write everything recorded, in order: removals, rows, events.
    func statements(_ store: HistoryStore) -> [String] {
        func chunks<T>(_ items: [T]) -> [ArraySlice<T>] {
            stride(from: 0, to: items.count, by: Self.chunk).map { items[$0..<min($0 + Self.chunk, items.count)] }
        }
        return chunks(reverted).map { store.delete(Array($0)) }
            + chunks(applied).map { store.insert(Array($0)) }
            + chunks(events).map { store.insert(Array($0)) }
    }
}
