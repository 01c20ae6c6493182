import ArgumentParser
import StrataKit

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the migration files, strata.sum, and the applied migrations' checksums.",
        discussion: "Exits 5 when anything is wrong. With --offline only the files and strata.sum are checked.")

    @Flag(help: "Do not connect to the database.")
    var offline = false

    @Flag(help: "Also validate the schema: required_tables, foreign keys, validate_queries from strata.toml, and every applied migration's verify section.")
    var schema = false

    @OptionGroup var global: GlobalOptions

    struct JSON: Encodable {
        var ok: Bool
        var migrations: Int
        var problems: [String]
        var schema: ValidationResult?
    }

    func validate() throws {
        if offline && schema { throw ValidationError("--schema needs the database; it cannot be used with --offline") }
    }

    func run() async throws {
        let schema = self.schema, offline = self.offline
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
            var result: ValidationResult?
            if schema {
                let settings = try ctx.safetySettings()
                let validator = SchemaValidator(requiredTables: settings.requiredTables, queries: settings.validateQueries)
                let driver = ctx.strata.driver
                let migrator = ctx.migrator()
                let checked = try await driver.withSession { session in
                    let bound = try await migrator.bound(to: session)
                    let applied = try await bound.store.exists(on: session) ? bound.store.applied(on: session) : []
                    let versions = Set(applied.filter { $0.state == .applied }.map(\.version))
                    return try await validator.validate(on: session, dialect: driver.dialect, verify: migrations.filter { versions.contains($0.version) })
                }
                result = checked
                for f in checked.failures { problems.append("\(f.kind) \(f.subject): \(f.detail ?? "failed")") }
                if !ctx.output.json {
                    for c in checked.checks {
                        ctx.output.line("\(c.ok ? ctx.output.paint("ok  ", .green) : ctx.output.paint("FAIL", .red)) \(c.kind) \(c.subject)\(c.detail.map { ": \($0)" } ?? "")")
                    }
                }
            }
            if ctx.output.json {
                ctx.output.emitJSON(JSON(ok: problems.isEmpty, migrations: migrations.count, problems: problems, schema: result))
                if !problems.isEmpty {
                    ctx.output.note("validation failed:\n" + problems.map { "  " + $0 }.joined(separator: "\n"))
                    throw ExitCode(StrataExit.validation.rawValue)
                }
                return
            }
            if !problems.isEmpty {
                throw CommandFailure(.validation, "validation failed:\n" + problems.map { "  " + $0 }.joined(separator: "\n"))
            }
            ctx.output.line("ok: \(migrations.count) migration\(migrations.count == 1 ? "" : "s") parsed" + (offline ? "" : ", history matches the files") + (schema ? ", schema valid" : ""))
        }
    }
}
