import StrataPostgres
import StrataTestSupport
import Testing

/// The driver conformance suite, each test on its own new database on the test server.
@Suite(.enabled(if: TestEnvironment.postgresEnabled))
struct PostgresConformanceTests {
    let make: DriverTestFactory = { try await DriverTestDatabase.postgres() }

    @Test func upAppliesEveryMigration() async throws { try await Conformance.upAppliesEveryMigration(make) }
    @Test func secondUpIsNoOp() async throws { try await Conformance.secondUpIsNoOp(make) }
    @Test func singleTransactionRecordsLikePerMigrationRuns() async throws {
        try await Conformance.singleTransactionRecordsLikePerMigrationRuns(make)
    }
    @Test func repeatableRunsAgainWhenChanged() async throws { try await Conformance.repeatableRunsAgainWhenChanged(make) }
    @Test func baselineStartsFreshDatabases() async throws { try await Conformance.baselineStartsFreshDatabases(make) }
    @Test func downRevertsOneStepByDefault() async throws { try await Conformance.downRevertsOneStepByDefault(make) }
    @Test func downToZeroRevertsEverything() async throws { try await Conformance.downToZeroRevertsEverything(make) }
    @Test func redoRevertsAndReapplies() async throws { try await Conformance.redoRevertsAndReapplies(make) }
    @Test func upToStopsAtTarget() async throws { try await Conformance.upToStopsAtTarget(make) }

    @Test func failingStatementRollsBackItsMigration() async throws { try await Conformance.failingStatementRollsBackItsMigration(make) }
    @Test func singleTransactionRollsBackEverything() async throws { try await Conformance.singleTransactionRollsBackEverything(make) }
    @Test func singleTransactionRefusesNoTransactionMigration() async throws {
        try await Conformance.singleTransactionRefusesNoTransactionMigration(make)
    }
    @Test func verifyFailureRollsBack() async throws { try await Conformance.verifyFailureRollsBack(make) }

    @Test func noTransactionFailureLeavesDirtyRow() async throws { try await Conformance.noTransactionFailureLeavesDirtyRow(make) }
    @Test func repairAsApplied() async throws { try await Conformance.repairAsApplied(make) }
    @Test func repairAsPending() async throws { try await Conformance.repairAsPending(make) }

    @Test func dryRunChangesNothing() async throws { try await Conformance.dryRunChangesNothing(make) }
    @Test func baselineRecordsWithoutRunning() async throws { try await Conformance.baselineRecordsWithoutRunning(make) }
    @Test func markAppliedRecordsEvent() async throws { try await Conformance.markAppliedRecordsEvent(make) }
    @Test func editedFileIsChecksumMismatchUntilAccepted() async throws {
        try await Conformance.editedFileIsChecksumMismatchUntilAccepted(make)
    }
    @Test func crlfCopyIsNotChecksumMismatch() async throws { try await Conformance.crlfCopyIsNotChecksumMismatch(make) }
    @Test func statusStates() async throws { try await Conformance.statusStates(make) }

    @Test(.timeLimit(.minutes(1)))
    func statementTimeoutDirectiveApplies() async throws { try await Conformance.statementTimeoutDirectiveApplies(make) }
    @Test(.timeLimit(.minutes(1)))
    func lockTimeoutDirectiveApplies() async throws {
        try await Conformance.lockTimeoutDirectiveApplies(make, lockStatements: ["BEGIN", "LOCK TABLE users IN ACCESS EXCLUSIVE MODE"])
    }
    @Test func customHistoryNamesInOwnSchema() async throws { try await Conformance.customHistoryNames(make, schema: "strata_meta") }
}
