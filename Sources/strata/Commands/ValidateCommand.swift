import ArgumentParser
import StrataKit

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the migration files, strata.sum, and the applied migrations' checksums.",
        discussion: "Exits 5 when anything is wrong. With --offline only the files and strata.sum are checked.")

    @Flag(help: "Do not connect to the database.")
    var offline = false

    @OptionGroup var global: GlobalOptions

    struct JSON: Encodable {
        var ok: Bool
        var migrations: Int
        var problems: [String]
    }

    func run() async throws {
        try await CommandContext.run(global) { ctx in
            let migrations = try await ctx.loadMigrations()
            var problems: [String] = []
            if !offline {
                let (_, statuses) = try await ctx.migrator().status(migrations: migrations)
                for s in statuses {
                    switch s.state {
                    case .changed: problems.append("\(s.version.digits) \(s.name): file changed after it was applied (\(ctx.directoryDisplay)/\(s.file ?? "?"))")
                    case .missing: problems.append("\(s.version.digits) \(s.name): applied, but its file is missing")
                    case .dirty: problems.append("\(s.version.digits) \(s.name): dirty (statement \(s.failedStatement ?? 0) failed); see `strata repair`")
                    default: break
                    }
                }
            }
            if ctx.output.json {
                ctx.output.emitJSON(JSON(ok: problems.isEmpty, migrations: migrations.count, problems: problems))
                if !problems.isEmpty {
                    ctx.output.note("validation failed:\n" + problems.map { "  " + $0 }.joined(separator: "\n"))
                    throw ExitCode(StrataExit.validation.rawValue)
                }
                return
            }
            if !problems.isEmpty {
                throw CommandFailure(.validation, "validation failed:\n" + problems.map { "  " + $0 }.joined(separator: "\n"))
            }
            ctx.output.line("ok: \(migrations.count) migration\(migrations.count == 1 ? "" : "s") parsed" + (offline ? "" : ", history matches the files"))
        }
    }
}
