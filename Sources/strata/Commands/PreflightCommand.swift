import ArgumentParser
import Foundation
import StrataKit

struct PreflightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflight",
        abstract: "Check that a migration run may proceed: files, connectivity, server version, history, pending, dirty rows, checksums, lock.",
        discussion: """
        For init containers and deploy gates. Changes nothing. A missing history table is fine (first run); \
        a held lock is a warning (`strata up` waits for it). Exit codes: 0 migrating may proceed, \
        5 it would be refused (bad files or strata.sum, dirty rows, changed or missing applied files, out of order), \
        3 unreachable.
        """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await CommandContext.run(global) { ctx in
            let out = ctx.output
            let migrations: Result<[Migration], any Error>
            do {
                migrations = .success(try await ctx.loadMigrations())
            } catch let error where error is SourceError || error is SourceProblem {
                migrations = .failure(error)
            }
            let report = try await Preflight.run(driver: ctx.strata.driver, migrations: migrations,
                                                 migrationsTable: ctx.config.migrationsTableName, eventsTable: ctx.config.eventsTableName,
                                                 policy: PlanPolicy(allowOutOfOrder: ctx.config.allowOutOfOrder))
            let code: StrataExit = !report.reachable ? .unreachable : report.ok ? .ok : .validation
            if out.json {
                out.emitJSON(PreflightJSON(report: report, database: ctx.config.target.display, environment: ctx.config.environment,
                                           directory: ctx.directoryDisplay))
            } else {
                out.line("Pre-flight: \(ctx.config.target.display)\(ctx.config.environment.map { " (environment \($0))" } ?? ""), migrations in \(ctx.directoryDisplay)")
                let width = report.items.map(\.name.count).max() ?? 0
                for item in report.items {
                    let mark = switch item.status {
                    case .ok: out.paint("[ok]  ", .green)
                    case .warn: out.paint("[warn]", .yellow)
                    case .fail: out.paint("[FAIL]", .red)
                    case .skip: out.paint("[skip]", .dim)
                    }
                    let name = item.name.replacingOccurrences(of: "_", with: " ").padding(toLength: width, withPad: " ", startingAt: 0)
                    let detail = item.detail.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: width + 10))
                    out.line("  \(mark) \(name)  \(detail)")
                }
            }
            guard code == .ok else {
                let failed = report.items.filter { $0.status == .fail }.map(\.name.description).joined(separator: ", ")
                let message = code == .unreachable
                    ? "pre-flight failed: \(report.item("connectivity")?.detail ?? "the database is unreachable")"
                    : "pre-flight failed (\(failed)): `strata up` would refuse to run; fix the items marked FAIL above"
                if out.json {
                    out.note(message)
                    throw ExitCode(code.rawValue)
                }
                throw CommandFailure(code, message)
            }
            let pending = report.inspection?.pending.count ?? 0
            out.line("ok: migrating may proceed (\(pending == 0 ? "nothing pending" : "\(pending) pending"))")
        }
    }
}
