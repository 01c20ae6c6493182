import ArgumentParser
import Foundation
import StrataKit
import Synchronization

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Start-up gate: exit 0 only when the database is at the head of the migrations directory and every required table exists.",
        discussion: """
        Ready means nothing pending, nothing dirty, applied files unchanged, and every `required_tables` entry of \
        strata.toml present. Exit codes: 0 ready, 6 migrations pending (the message gives the command to run), \
        5 dirty or changed migrations or missing required tables, 3 unreachable. With --wait, looks again every \
        second until ready or the time is up (an unreachable database is waited out too).
        """)

    @Option(help: ArgumentHelp("Look again every 1s until ready or this long has passed (e.g. 60s).", valueName: "duration"))
    var wait: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let wait, DurationText.parse(wait) == nil { throw ValidationError("--wait \(wait): not a duration (use 30s, 2m)") }
    }

    func run() async throws {
        let limit = wait.flatMap(DurationText.parse)
        let waitText = wait ?? ""
        try await CommandContext.run(global) { ctx in
            let out = ctx.output
            let required = try GateSupport.requiredTables(ctx.config)
            let migrations = try await ctx.loadMigrations()
            let check = SchemaCheck(driver: ctx.strata.driver, migrations: migrations, requiredTables: required,
                                    migrationsTable: ctx.config.migrationsTableName, eventsTable: ctx.config.eventsTableName,
                                    fixCommand: GateSupport.fixCommand(ctx))
            let result: SchemaCheckResult
            if let limit {
                let last = Mutex<String?>(nil)
                do {
                    result = try await check.wait(timeout: limit) { summary in
                        // One line per change of state, not one per second.
                        let changed = last.withLock { seen -> Bool in
                            defer { seen = summary }
                            return seen != summary
                        }
                        if changed { out.note("waiting for the schema (up to \(waitText), looking every 1s): \(summary)") }
                    }
                } catch let error as ConnectionError {
                    throw CommandFailure(.unreachable, "still unreachable after --wait \(waitText): \(error)")
                }
            } else {
                result = try await check.run()
            }
            if out.json { out.emitJSON(CheckJSON(result: result, environment: ctx.config.environment)) }
            if result.ready {
                out.line(result.message)
                return
            }
            let code: StrataExit = result.verdict == .pending ? .pending : .validation
            let prefix = limit == nil ? "" : "still not ready after --wait \(waitText) (\(result.attempts) attempts): "
            if out.json {
                out.note(prefix + result.message)
                throw ExitCode(code.rawValue)
            }
            throw CommandFailure(code, prefix + result.message)
        }
    }
}
