import Foundation

/// Migrations applied one after another, each in its own transaction, with the next migration's batch handed to the
/// connection while the server still runs the current one (on a session that can send without waiting, see
/// ``DatabaseSession/send(_:)``). postgres-nio writes it as soon as the current one's answer arrives, on its event
/// loop: the server's next migration no longer waits for Strata to read that answer, report the step and build the
/// next statement.
///
/// Each batch is a link of a chain (``BatchChain``): it runs only if the batch sent before it committed, and
/// refuses to run, with nothing done, otherwise. So a failure stops the run exactly where it stopped before, and
/// the migration after the failed one is neither applied nor reported. A batch sent ahead also checks, on the server,
/// that the run still holds its migration lock (the lock could be lost while the migration before it ran).
extension Migrator {
    typealias Send = @Sendable (String) -> SentStatement?

    /// A migration whose batch has been sent and whose answer has not been read yet.
    struct SentStep {
        var step: MigrationPlan.Step
        var index: Int
        var batch: Batch
        /// The section's statements then the verify section's, as in the batch.
        var statements: [SQLStatement]
        var sent: SentStatement
        var token: String
        /// When it became the migration the server runs (announced): its duration counts from there.
        var started = ContinuousClock.now
    }

    /// Applies `plan`'s steps each in its own transaction, sending each batch ahead when `send` can.
    func applyEach(_ plan: MigrationPlan, options: RunOptions, lock: (any MigrationLock)?, exec: Exec, send: Send?,
                   progress: @escaping @Sendable (RunEvent) -> Void, onEvent stepDone: (RunReport.Step) -> Void) async throws {
        let total = plan.steps.count
        // Tokens unique to this call: a session that runs several plans (a safe run's apply, then its rollback)
        // must not take a token of the earlier plan for one of this plan.
        let chain = UUID().uuidString
        var inFlight: SentStep?
        var sendAhead = send != nil
        var i = 0
        func finishInFlight() async throws {
            guard let s = inFlight else { return }
            inFlight = nil
            _ = try await finish(s, next: nil, total: total, options: options, exec: exec, progress: progress, onEvent: stepDone)
        }
        while i < total {
            let step = plan.steps[i]
            do {
                try await lock?.checkHeld()
                try Task.checkCancellation()
            } catch {
                // What was sent may still run (a cancelled run cancels it): read its answer, and report it, before stopping.
                try await finishInFlight()
                throw error
            }
            guard sendAhead, let send, var next = sendStep(step, index: i + 1, after: inFlight?.token, lockHeld: lock?.heldCondition,
                                                          chain: chain, options: options, send: send) else {
                try await finishInFlight()
                stepDone(try await applyStep(step, index: i + 1, total: total, options: options, exec: exec, inOuterTransaction: false, progress: progress))
                i += 1
                continue
            }
            if let s = inFlight {
                inFlight = nil
                switch try await finish(s, next: next, total: total, options: options, exec: exec, progress: progress, onEvent: stepDone) {
                case .done:
                    break
                case .sendNextAgain:
                    continue  // `next` was refused (nothing of it ran): send it again, after what has now run
                case .stopSendingAhead:
                    sendAhead = false
                    continue
                }
            }
            next.started = ContinuousClock.now
            for h in hooks { await h.willApply(next.step, index: next.index, total: total) }
            progress(.stepStarted(index: next.index, total: total, step: next.step))
            inFlight = next
            i += 1
        }
        try await finishInFlight()
    }

    /// Builds `step`'s batch as a link after `after` and sends it; nil when the step does not run as a batch
    /// (a `no-transaction` migration, a statement timeout, a statement a batch cannot hold) or cannot be sent ahead.
    private func sendStep(_ step: MigrationPlan.Step, index: Int, after: String?, lockHeld: String?, chain: String, options: RunOptions,
                          send: Send) -> SentStep? {
        let script = step.script
        let statementTimeout = script.directives.statementTimeout ?? options.statementTimeout
        // (What batchFor checks without the statements, before splitting them.)
        guard !script.directives.noTransaction, options.batchStatements, statementTimeout == nil else { return nil }
        let verify = step.direction == .up ? (step.migration.verify?.statements ?? []) : []
        let all = script.statements + verify
        let token = "\(chain):\(index)"
        let startedAt = Date()
        guard let batch = batchFor(step, statements: all, options: options, statementTimeout: statementTimeout,
                                   lockTimeout: script.directives.lockTimeout ?? options.lockTimeout, inOuterTransaction: false, replaceTimeouts: false,
                                   chain: BatchChain(after: after, token: token, lockHeld: after == nil ? nil : lockHeld),
                                   bookkeeping: { durationSQL, startedSQL, finishedSQL in
                                       batchRecords(step, startedAt: startedAt, durationSQL: durationSQL, startedSQL: startedSQL, finishedSQL: finishedSQL)
                                   }),
              let sent = send(batch.sql.sql) else { return nil }
        return SentStep(step: step, index: index, batch: batch, statements: all, sent: sent, token: token)
    }

    /// What ``finish(_:next:total:options:exec:progress:onEvent:)`` leaves the loop to do.
    private enum Finished {
        case done
        /// The batch sent after the finished one was refused: send it again.
        case sendNextAgain
        /// The session keeps no setting from one transaction to the next: send nothing ahead any more.
        case stopSendingAhead
    }

    /// Reads the answer to `s`'s batch and reports the step; `next` is the batch sent after it, if any. When `s`
    /// fails, `next` (refused) is read too before the failure is thrown.
    private func finish(_ s: SentStep, next: SentStep?, total: Int, options: RunOptions, exec: Exec,
                        progress: @escaping @Sendable (RunEvent) -> Void, onEvent stepDone: (RunReport.Step) -> Void) async throws -> Finished {
        let batched: Bool
        do {
            batched = try await runBatch(s.batch, step: s.step, statements: s.statements, inOuterTransaction: false, exec: exec, sent: s.sent,
                                         failed: { progress(.stepFailed(index: s.index, total: total, step: s.step, error: $0)) })
        } catch let db as DatabaseError where db.sqlState == lockLostState {
            // Sent while the migration before it ran, it found the lock gone when its turn came, and did nothing.
            if let next { try? await next.sent.wait() }
            throw LockLostError(reason: "when migration \(s.step.migration.version.digits) was to start, the server no longer listed it as held by this run")
        } catch let db as DatabaseError where db.sqlState == chainRefusedState {
            // The batch before it committed (its answer was read), yet the session lost the setting it left: a
            // connection pooler hands each transaction to another server connection. Run it again as a batch of its
            // own, and send nothing ahead any more.
            if let next { try? await next.sent.wait() }
            stepDone(try await applyStep(s.step, index: s.index, total: total, options: options, exec: exec, inOuterTransaction: false,
                                         announcedAt: s.started, progress: progress))
            return .stopSendingAhead
        } catch {
            if let next { try? await next.sent.wait() }
            throw error
        }
        if batched {
            let duration = ContinuousClock.now - s.started
            for h in hooks { await h.didApply(s.step, index: s.index, total: total, duration: duration) }
            progress(.stepFinished(index: s.index, total: total, step: s.step, duration: duration))
            stepDone(RunReport.Step(version: s.step.migration.version, name: s.step.migration.name, direction: s.step.direction,
                                    durationMs: DurationText.milliseconds(duration), statements: s.step.script.statementCount))
            return .done
        }
        // The server refused something only a batch cannot do and rolled the batch back; `next` was refused after it.
        if let next { try? await next.sent.wait() }
        var oneByOne = options
        oneByOne.batchStatements = false
        stepDone(try await applyStep(s.step, index: s.index, total: total, options: oneByOne, exec: exec, inOuterTransaction: false,
                                     announcedAt: s.started, progress: progress))
        return next == nil ? .done : .sendNextAgain
    }
}
