import ArgumentParser
import StrataKit

struct AdoptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adopt",
        abstract: "Take over another tool's migration history (goose, golang-migrate, dbmate, diesel, drizzle, flyway, sqitch, knex, alembic).",
        discussion: """
        Reads the old tool's tracking table and records the migrations it applied as applied in Strata's history \
        (with the checksums of the current files), so the next `strata up` runs only what is really pending. \
        Refuses, recording nothing, when the table names migrations the folder lacks, when golang-migrate's table is \
        dirty or Flyway's records a failed migration, or when Strata already has a different history (exit 5).
        """)

    @Option(help: ArgumentHelp("The tool whose table to read (goose, golang-migrate, dbmate, diesel, drizzle, flyway, sqitch, knex, alembic); detected when omitted.",
                               valueName: "tool"))
    var from: String?

    @Flag(help: "Show what would be recorded; change nothing.")
    var dryRun = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var tool: ForeignTool?
        if let from {
            guard let t = parseForeignTool(from) else {
                throw ValidationError("--from \(from): not a tool strata adopt reads; use one of " + ForeignTool.allCases.map(\.rawValue).joined(separator: ", "))
            }
            tool = t
        }
        let dryRun = self.dryRun
        try await CommandContext.run(global) { [tool] ctx in
            let migrations = try await ctx.loadMigrations()
            let adopter = Adopter(migrator: ctx.migrator())
            let plan: AdoptionPlan
            do {
                plan = dryRun ? try await adopter.plan(from: tool, migrations: migrations)
                              : try await adopter.adopt(from: tool, migrations: migrations, lockWait: ctx.config.lockWait)
            } catch let e as AdoptError {
                throw CommandFailure(.validation, e.description)
            }
            AdoptOutput.print(plan, dryRun: dryRun, ctx: ctx)
        }
    }
}

/// `strata adopt`'s report, as text or JSON.
enum AdoptOutput {
    struct JSON: Encodable {
        struct Entry: Encodable { var version: String; var name: String; var key: String?; var checksum: String? }
        var tool: String
        var table: String
        var dryRun: Bool
        var alreadyRecorded: Bool
        var recorded: [Entry]
        var pending: [Entry]
        var warnings: [String]
    }

    static func print(_ plan: AdoptionPlan, dryRun: Bool, ctx: CommandContext) {
        let out = ctx.output
        if out.json {
            out.emitJSON(JSON(tool: plan.source.tool.rawValue, table: plan.source.table.description, dryRun: dryRun, alreadyRecorded: plan.alreadyRecorded,
                              recorded: plan.toRecord.map { .init(version: $0.migration.version.digits, name: $0.migration.name,
                                                                  key: $0.key.isEmpty ? nil : $0.key, checksum: $0.migration.checksum) },
                              pending: plan.pending.map { .init(version: $0.version.digits, name: $0.name, key: nil, checksum: nil) },
                              warnings: plan.warnings))
            return
        }
        let n = plan.toRecord.count
        let s = n == 1 ? "" : "s"
        out.line("Found \(plan.source.tool) history in \(plan.source.table).")
        if plan.alreadyRecorded {
            out.line("Strata's history already holds these \(n) migration\(s); nothing to record.")
        } else if n == 0 {
            out.line("\(plan.source.tool) has applied nothing; nothing to record.")
        } else {
            out.line(dryRun ? "Would record \(n) migration\(s) as applied (dry run; nothing is changed):"
                            : "Recorded \(n) migration\(s) as applied (adopted from \(plan.source.tool)); none was run:")
        }
        if !plan.alreadyRecorded {
            for e in plan.toRecord {
                out.line("  \(e.migration.version.digits) \(e.migration.name)" + (e.key.isEmpty ? "" : out.paint("  (\(plan.source.tool.keyNoun) \(e.key))", .dim)))
            }
        }
        for w in plan.warnings { out.note(out.paint("warning: ", .yellow) + w) }
        if plan.pending.isEmpty {
            out.line("Nothing pending.")
        } else {
            out.line("Pending (\(plan.pending.count), `strata up` applies them): " + plan.pending.map { "\($0.version.digits) \($0.name)" }.joined(separator: ", "))
        }
    }
}
