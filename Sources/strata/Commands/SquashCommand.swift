import ArgumentParser
import Foundation
import StrataKit

struct SquashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "squash",
        abstract: "Replace every migration up to a version with one baseline built from the schema they produce.",
        discussion: """
            Applies the migrations up to --through to a scratch database on the server -d names (the database itself is \
            not touched), dumps its schema with pg_dump (and the rows of --data tables) into <version>_<name>.sql marked \
            `-- strata:baseline`, builds a second scratch database from that file and compares both schemas, and only then \
            moves the squashed files into archive/ and writes the baseline. A fresh database then runs the baseline and \
            the later migrations; a database already past the version treats the baseline as applied without running it.
            """)

    @Option(help: ArgumentHelp("The last version the baseline replaces.", valueName: "version"))
    var through: String

    @Option(name: .customLong("data"), help: ArgumentHelp("A reference-data table whose rows go into the baseline (repeatable).", valueName: "table"))
    var data: [String] = []

    @Option(help: "The baseline file's name after its version.")
    var name = "baseline"

    @Flag(help: "Build and check the baseline; write and move nothing.")
    var dryRun = false

    @OptionGroup var global: GlobalOptions

    struct ReportJSON: Encodable {
        var through: String
        var baselineFile: String
        var squashed: [String]
        var archived: [String]
        var schemaMatches: Bool
        var differences: [String]
        var tool: String
        var dryRun: Bool
    }

    func run() async throws {
        guard let asked = MigrationVersion(self.through), !asked.isRepeatable else {
            throw ValidationError("--through \(self.through): not a version (digits, or dotted like 2.1)")
        }
        let slug = NewCommand.slug(name)
        guard !slug.isEmpty else { throw ValidationError("--name \(name): needs letters or digits") }
        let data = self.data, dryRun = self.dryRun
        try await CommandContext.run(global) { ctx in
            guard ctx.layout?.format ?? .strata == .strata else {
                throw CommandFailure(.usage, "\(ctx.directoryDisplay) is in \(ctx.layout?.format.displayName ?? "another") layout; squash writes Strata's layout: run `strata convert --to strata DIR` first")
            }
            guard case .postgres(let server) = ctx.config.target else {
                throw CommandFailure(.usage, "squash builds the baseline with pg_dump on scratch PostgreSQL databases: pass -d postgres://… for a server where "
                                     + "this user may CREATE DATABASE (the database named there is not touched)")
            }
            let migrations = try await ctx.loadMigrations()
            // The version as the folder writes it (`--through 50` names 0050_x.sql).
            guard let through = migrations.first(where: { $0.version == asked && !$0.isRepeatable })?.version else {
                let near = migrations.filter { !$0.isRepeatable }.suffix(3).map(\.version.digits).joined(separator: ", ")
                throw CommandFailure(.usage, "--through \(asked.digits): no migration has that version (the last ones: \(near))")
            }
            let count = migrations.filter { !$0.isRepeatable && $0.version <= through }.count
            guard count >= 2 else { throw CommandFailure(.usage, "--through \(through.digits): only \(count) migration up to it; nothing to squash") }

            var squasher = Squasher(server: server, makeDriver: { Drivers.driver(for: $0) },
                                    migrationsTable: ctx.config.migrationsTableName, eventsTable: ctx.config.eventsTableName)
            squasher.strataVersion = StrataVersion.current
            let out = ctx.output
            squasher.progress = { out.note($0) }
            let baseline: SquashBaseline
            do { baseline = try await squasher.build(migrations: migrations, through: through, referenceTables: data) } catch let e as SquashError {
                throw CommandFailure(.validation, e.description + "; nothing was written")
            }
            let file = SquashFiles.baselineFileName(through: through, name: slug)
            var report = ReportJSON(through: through.digits, baselineFile: file, squashed: baseline.squashed.map(\.version.digits), archived: [],
                                    schemaMatches: baseline.schemaMatches, differences: baseline.differences, tool: baseline.tool, dryRun: dryRun)
            guard baseline.schemaMatches else {
                if ctx.output.json { ctx.output.emitJSON(report) }
                throw CommandFailure(.validation, "the baseline does not rebuild the schema the migrations produce; nothing was written:\n"
                                     + baseline.differences.prefix(40).map { "  " + $0 }.joined(separator: "\n"))
            }
            if !dryRun {
                let dir = URL(fileURLWithPath: ctx.config.migrationsDirectory)
                do {
                    report.archived = try SquashFiles.apply(directory: dir, baselineFile: file, text: baseline.fileText, squashed: baseline.squashed)
                } catch {
                    throw CommandFailure(.failure, "\(error)")
                }
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent(SumFile.fileName).path) { _ = try await ctx.writeSumFile() }
            }
            if ctx.output.json { ctx.output.emitJSON(report); return }
            let verb = dryRun ? "Would replace" : "Replaced"
            ctx.output.line("\(verb) \(baseline.squashed.count) migrations (\(baseline.squashed.first?.version.digits ?? "?") … \(through.digits)) with \(ctx.directoryDisplay)/\(file); "
                            + "its schema matches theirs (\(baseline.tool)).")
            if !dryRun {
                ctx.output.line("Moved \(report.archived.count) entr\(report.archived.count == 1 ? "y" : "ies") to \(ctx.directoryDisplay)/\(SquashFiles.archive)/.")
                ctx.output.line("Databases past \(through.digits) treat the baseline as applied; a fresh one runs it and the later migrations. Commit both.")
            }
        }
    }
}
