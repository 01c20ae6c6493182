import Foundation
import Synchronization
import StrataCore

extension SafeMigration {
    /// Applies the plan to a throwaway copy and validates it there; the copy is dropped on every path.
    func rehearse(plan: MigrationPlan, dump: String?) async -> SafetyReport.Rehearsal {
        let start = ContinuousClock.now
        let copies = RehearsalCopies(target: target, makeDriver: makeDriver)
        var result = SafetyReport.Rehearsal(copy: "", method: "", copyDurationMs: 0, ok: false, durationMs: 0, steps: [], error: nil,
                                            validation: nil, staleCopiesDropped: [])
        progress(.stageStarted(.rehearsal, "rehearsing on a copy of \(target.display)"))
        do {
            result.staleCopiesDropped = try await copies.dropStale()
            if !result.staleCopiesDropped.isEmpty {
                progress(.note("dropped \(result.staleCopiesDropped.count) copy(ies) left by an earlier run: \(result.staleCopiesDropped.joined(separator: ", "))"))
            }
        } catch {
            progress(.note("could not look for stale rehearsal copies: \(redactor.redact("\(error)"))"))
        }
        let copy: RehearsalCopy
        do {
            copy = try await copies.create(dump: dump)
        } catch {
            result.error = redactor.redact("could not create the copy: \(error)")
            result.durationMs = milliseconds(since: start)
            return result
        }
        result.copy = copy.name
        result.method = copy.method
        result.copyDurationMs = copy.durationMs
        progress(.note("copy \(copy.name) created by \(copy.method) in \(copy.durationMs) ms"))
        let copyDriver = makeDriver(copy.target)
        var context = migrator.context
        context.runID += "-rehearsal"
        let rehearsalMigrator = Migrator(driver: copyDriver, migrationsTable: migrator.store.migrationsTable,
                                         eventsTable: migrator.store.eventsTable, context: context)
        let migrations = self.migrations, request = self.request, options = self.options, validator = self.validator
        // What the copy got before a failure, for the report.
        let done = Mutex<[RunReport.Step]>([])
        let collect: @Sendable (RunEvent) -> Void = { e in
            if case .stepFinished(_, _, let step, let d) = e {
                done.withLock { $0.append(.init(version: step.migration.version, name: step.migration.name, direction: step.direction,
                                                durationMs: d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000,
                                                statements: step.script.statements.count)) }
            }
        }
        do {
            let run = try await withSafetyTimeout(timeout, stage: .rehearsal) {
                try await rehearsalMigrator.run(request, migrations: migrations, options: options, onEvent: collect)
            }
            result.steps = run.steps
            let applied = Set(run.steps.map(\.version))
            let validation = try await copyDriver.withSession { s in
                try await validator.validate(on: s, dialect: copyDriver.dialect, verify: migrations.filter { applied.contains($0.version) })
            }
            result.validation = validation
            result.ok = validation.ok
            if !validation.ok { result.error = "validation failed on the copy:\n" + validation.failureSummary }
        } catch {
            if result.steps.isEmpty { result.steps = done.withLock { $0 } }
            result.error = redactor.redact("\(error)")
        }
        await copies.dropDetached(copy)
        result.durationMs = milliseconds(since: start)
        return result
    }
}
