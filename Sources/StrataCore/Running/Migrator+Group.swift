import Foundation

/// Grouped application in a `--single-transaction` run: consecutive small transactional migrations go to the
/// server together, as one statement (see ``SQLDialect/batch(groups:lockTimeout:)``), so that a run of a thousand
/// migrations costs a few dozen round trips instead of one or more per migration. The whole run is one transaction
/// either way, so grouping changes nothing about what is applied; failures name the migration and statement as
/// when the statements are sent one by one, and each migration's recorded duration is measured by the server.
/// Hooks see ``RunHook/willApply(_:index:total:)`` for every migration of a group before it is sent, then
/// ``RunHook/didApply(_:index:total:duration:)`` for each; progress events start and finish each migration in turn.
extension Migrator {
    typealias Query = @Sendable (String) async throws -> [Row]

    /// At most this many migrations go in one group: keeps the progress line and the status file moving.
    static var groupMaxSteps: Int { 100 }
    /// At most this much SQL (bytes) goes in one group.
    static var groupMaxBytes: Int { 1 << 20 }

    /// Steps that go to the server as one group, with their statements (split once, here).
    struct Group {
        var range: Range<Int>
        var statements: [[SQLStatement]]
    }

    /// The steps from `start` on (at least two, else nil) that can go to the server as one group.
    func group(from start: Int, in steps: [MigrationPlan.Step], options: RunOptions, perFileTimeouts: Bool) -> Group? {
        let d = driver.dialect
        guard options.batchStatements, !perFileTimeouts, options.statementTimeout == nil, d.batchEndsQuery != nil else { return nil }
        var members: [[SQLStatement]] = []
        var bytes = 0
        while start + members.count < steps.count, members.count < Self.groupMaxSteps {
            let statements = Self.groupStatements(steps[start + members.count])
            let size = statements.reduce(0) { $0 + $1.sql.utf8.count }
            guard !statements.isEmpty, bytes + size <= Self.groupMaxBytes, Self.batchable(statements) else { break }
            bytes += size
            members.append(statements)
        }
        return members.count >= 2 ? Group(range: start..<(start + members.count), statements: members) : nil
    }

    /// How `plan` can be batched. `batch`: whether sending a migration, or a group of them, as one statement keeps
    /// `statement_timeout` a limit per statement: the session has none (a role's or database's default included),
    /// and no migration of the plan mentions the setting (one that sets it would otherwise time whole blocks after
    /// it); otherwise every statement is sent on its own.
    ///
    /// With `ownTransactions` (each migration's batch committed implicitly, at the end of its statement), a failure
    /// at that COMMIT would reach postgres-nio after the statement's success, as a protocol error (the migration
    /// reported applied, the connection closed). So `checkDeferred` when deferrable constraints exist (in the
    /// database, or a migration of the plan mentions them): each batch checks them before its end. And no batches when
    /// the session's transactions are serializable by default: a serialization failure found at COMMIT cannot be
    /// checked for earlier, and sent one by one, each migration ends with its own COMMIT, whose failure is reported.
    /// `read`: the values of ``SQLDialect/batchSettingsColumns`` when the run already read them (under its lock).
    func batchSettings(_ plan: MigrationPlan, ownTransactions: Bool, query: Query, read: [String?]? = nil) async -> (batch: Bool, checkDeferred: Bool) {
        guard let sql = driver.dialect.batchSettingsQuery else { return (true, false) }   // a dialect without batches
        func mentioned(_ word: String) -> Bool {
            plan.steps.contains { step in
                step.script.mentions(word: word) || (step.direction == .up && step.migration.verify?.mentions(word: word) == true)
            }
        }
        if mentioned("statement_timeout") { return (false, false) }
        let answer: [String?]?
        if let read { answer = read } else { answer = try? await query(sql).first.map { r in (0..<3).map { r[$0] } } }
        guard let answer, answer.count == 3, let value = answer[0] else { return (true, ownTransactions) }
        if value != "0" || (ownTransactions && answer[1] == "serializable") { return (false, false) }
        return (true, ownTransactions && (answer[2] != "false" || mentioned("deferrable")))
    }

    /// A step's statements as a group runs them: its section, and for `up` its verify section.
    static func groupStatements(_ step: MigrationPlan.Step) -> [SQLStatement] {
        step.script.statements + (step.direction == .up ? (step.migration.verify?.statements ?? []) : [])
    }

    /// Runs `group` of `steps` as one group inside the run's transaction and records each in `deferred`.
    func applyGroup(_ group: Group, of steps: [MigrationPlan.Step], total: Int, options: RunOptions, exec: Exec, query: Query,
                    deferred: DeferredRecords, progress: @Sendable (RunEvent) -> Void) async throws -> [RunReport.Step] {
        let d = driver.dialect
        let range = group.range
        let members = Array(steps[range])
        let statements = group.statements
        guard let batch = d.batch(groups: statements.map { $0.map(\.sql) }, lockTimeout: options.lockTimeout),
              let endsQuery = d.batchEndsQuery else {
            throw RunConfigurationError("internal: the \(d.name) dialect cannot group migrations")
        }
        try Task.checkCancellation()
        let clock = ContinuousClock()
        let t0 = clock.now
        let startedAt = Date()
        for (k, step) in members.enumerated() {
            for h in hooks { await h.willApply(step, index: range.lowerBound + k + 1, total: total) }
        }
        progress(.stepStarted(index: range.lowerBound + 1, total: total, step: members[0]))
        do {
            try await exec(batch.sql, true)
        } catch {
            // By position, not version: `redo` puts a version's down and up steps in the same group.
            let (k, failure) = groupFailure(error, batch: batch, members: members, statements: statements)
            if k > 0 { progress(.stepStarted(index: range.lowerBound + k + 1, total: total, step: members[k])) }
            progress(.stepFailed(index: range.lowerBound + k + 1, total: total, step: members[k], error: failure))
            throw failure
        }
        let elapsed = clock.now - t0
        // Only the durations depend on this answer: without it they are the group's time shared out.
        let ends = try? await query(endsQuery).first?[0]
        let durations = Self.durations(ends ?? nil, count: members.count, elapsed: elapsed)
        var offset = Duration.zero
        var results: [RunReport.Step] = []
        for (k, step) in members.enumerated() {
            let index = range.lowerBound + k + 1
            let m = step.migration
            let duration = durations[k]
            let began = startedAt.addingTimeInterval(Self.seconds(offset))
            offset += duration
            if k > 0 { progress(.stepStarted(index: index, total: total, step: step)) }
            let row = AppliedMigration(version: m.version, name: m.name, checksum: m.checksum, appliedAt: began,
                                       durationMs: DurationText.milliseconds(duration), appliedBy: context.user, host: context.host,
                                       strataVersion: context.strataVersion, state: .applied, failedStatement: nil)
            let event = MigrationEvent(runID: context.runID, version: m.version, direction: step.direction == .up ? .up : .down, outcome: .ok,
                                       startedAt: began, finishedAt: startedAt.addingTimeInterval(Self.seconds(offset)), error: nil,
                                       environment: context.environment, host: context.host, user: context.user)
            deferred.add(step.direction == .up ? .applied(row) : .reverted(m.version), event: event)
            for h in hooks { await h.didApply(step, index: index, total: total, duration: duration) }
            progress(.stepFinished(index: index, total: total, step: step, duration: duration))
            results.append(RunReport.Step(version: m.version, name: m.name, direction: step.direction,
                                          durationMs: DurationText.milliseconds(duration), statements: step.script.statementCount))
        }
        return results
    }

    /// The failure of a group and the position of its step in the group: the migration and statement the server
    /// names; when it names none (the connection was lost, say), the group's first migration.
    private func groupFailure(_ error: any Error, batch: SQLBatch, members: [MigrationPlan.Step],
                              statements: [[SQLStatement]]) -> (Int, MigrationFailure) {
        let db = error as? DatabaseError
        let unwrapped: any Error = db.map { batch.unwrap($0) } ?? error
        if let flat = db.flatMap({ batch.statementIndex(for: $0) }) {
            var first = 0
            for (k, group) in statements.enumerated() {
                if flat < first + group.count {
                    let i = flat - first
                    return (k, makeFailure(members[k], index: i, statement: group[i], inVerify: i >= members[k].script.statementCount,
                                           error: unwrapped, dirty: false))
                }
                first += group.count
            }
        }
        let step = members[0]
        let statement = statements[0].first ?? SQLStatement(sql: "COMMIT", line: 1, column: 1)
        return (0, makeFailure(step, index: 0, statement: statement, inVerify: false, error: unwrapped, dirty: false))
    }

    /// Each migration's time, from the server's list of clocks (start, then the end of each); when the list is
    /// missing or malformed (a dry run has none), the group's elapsed time shared out evenly.
    static func durations(_ ends: String?, count: Int, elapsed: Duration) -> [Duration] {
        let clocks = (ends ?? "").split(separator: ",").compactMap { Int64($0) }
        if clocks.count == count + 1, zip(clocks, clocks.dropFirst()).allSatisfy({ $0 <= $1 }) {
            return zip(clocks, clocks.dropFirst()).map { .microseconds($1 - $0) }
        }
        return Array(repeating: elapsed / max(count, 1), count: count)
    }

    private static func seconds(_ d: Duration) -> TimeInterval {
        TimeInterval(d.components.seconds) + TimeInterval(d.components.attoseconds) / 1e18
    }
}
