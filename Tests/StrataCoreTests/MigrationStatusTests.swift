// MigrationStatus.compute: each state, from files and history rows.

import Testing
@testable import StrataCore

struct MigrationStatusTests {
    @Test func everyState() throws {
        let applied = try makeMigration("0001", "applied")
        let changed = try makeMigration("0002", "changed")
        let dirty = try makeMigration("0003", "dirty")
        let pending = try makeMigration("0005", "pending")
        let rows = [
            appliedRow(applied),
            appliedRow(changed, checksum: Checksum.of("old SQL")),
            appliedRow(dirty, state: .dirty, failedStatement: 2),
            try orphanRow("0004", name: "missing"),
        ]
        let statuses = MigrationStatus.compute(migrations: [pending, dirty, changed, applied], applied: rows)
        #expect(statuses.map(\.version.digits) == ["0001", "0002", "0003", "0004", "0005"])
        #expect(statuses.map(\.state) == [.applied, .changed, .dirty, .missing, .pending])
        #expect(statuses.map(\.name) == ["applied", "changed", "dirty", "missing", "pending"])

        let s = Dictionary(uniqueKeysWithValues: statuses.map { ($0.version.digits, $0) })
        #expect(s["0001"]?.appliedAt != nil)
        #expect(s["0001"]?.checksum == applied.checksum)
        #expect(s["0001"]?.file == "0001_applied.sql")

        #expect(s["0002"]?.checksum == changed.checksum)
        #expect(s["0002"]?.appliedChecksum == Checksum.of("old SQL"))

        #expect(s["0003"]?.failedStatement == 2)
        #expect(s["0003"]?.file == "0003_dirty.sql")

        #expect(s["0004"]?.file == nil)
        #expect(s["0004"]?.checksum == nil)
        #expect(s["0004"]?.appliedAt != nil)

        #expect(s["0005"]?.appliedAt == nil)
        #expect(s["0005"]?.appliedChecksum == nil)
        #expect(s["0005"]?.checksum == pending.checksum)
    }

    @Test func dirtyWinsOverAChangedChecksumAndAMissingFile() throws {
        let m = try makeMigration("0001")
        var orphan = try orphanRow("0002")
        orphan.state = .dirty
        let statuses = MigrationStatus.compute(
            migrations: [m], applied: [appliedRow(m, checksum: Checksum.of("x"), state: .dirty), orphan])
        #expect(statuses.map(\.state) == [.dirty, .dirty])
    }

    @Test func versionsMatchNumerically() throws {
        // The history says "1", the file says "0001": the same migration.
        let m = try makeMigration("0001")
        var row = appliedRow(m)
        row.version = try version("1")
        let statuses = MigrationStatus.compute(migrations: [m], applied: [row])
        #expect(statuses.map(\.state) == [.applied])
    }

    @Test func orderedNumerically() throws {
        let files = try ["10", "9", "0100"].map { try makeMigration($0) }
        let statuses = MigrationStatus.compute(migrations: files, applied: [try orphanRow("11")])
        #expect(statuses.map(\.version.digits) == ["9", "10", "11", "0100"])
    }

    @Test func nothingGivesNothing() {
        #expect(MigrationStatus.compute(migrations: [], applied: []).isEmpty)
    }
}
