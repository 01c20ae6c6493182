import ArgumentParser
import StrataKit

struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Clear a dirty migration after fixing the database by hand, or accept an intentional edit of an applied file.",
        discussion: """
        A `no-transaction` migration that fails part-way is recorded as dirty and blocks further runs.
        Fix the database by hand, then:
          strata repair VERSION --as applied   # you completed the migration by hand
          strata repair VERSION --as pending   # you undid its partial changes; it will run again
        To accept an edited applied migration file: strata repair --accept-checksum VERSION
        """)

    @Argument(help: "The dirty version (default: every dirty migration).")
    var version: String?

    @Option(name: .customLong("as"), help: "What the dirty migration becomes: applied or pending.")
    var resolution: RepairResolution?

    @Option(name: .customLong("accept-checksum"), help: ArgumentHelp("Record the file's current checksum for this applied version.", valueName: "version"))
    var acceptChecksum: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if acceptChecksum == nil && resolution == nil {
            throw ValidationError("say what the dirty migration becomes: --as applied (you finished it by hand) or --as pending (you undid it); or use --accept-checksum VERSION")
        }
        if acceptChecksum != nil && (resolution != nil || version != nil) {
            throw ValidationError("--accept-checksum cannot be combined with a dirty VERSION or --as")
        }
    }

    func run() async throws {
        let dirtyVersion = try version.map { try parseVersion($0, flag: "VERSION") }
        let accept = try acceptChecksum.map { try parseVersion($0, flag: "--accept-checksum") }
        let resolution = self.resolution
        try await CommandContext.run(global) { ctx in
            let migrator = ctx.migrator()
            if let accept {
                let migrations = try await ctx.loadMigrations(checkSum: false)
                try await migrator.acceptChecksum(accept, migrations: migrations, lockWait: ctx.config.lockWait)
                if ctx.output.json { ctx.output.emitJSON(["accepted_checksum": accept.digits]); return }
                ctx.output.line("Accepted the current file of \(accept.digits) as applied (recorded in the audit log).")
                return
            }
            guard let resolution else { return }
            let repaired = try await migrator.repair(dirtyVersion, as: resolution, lockWait: ctx.config.lockWait)
            if ctx.output.json { ctx.output.emitJSON(["repaired": repaired.map(\.digits)]); return }
            ctx.output.line(repaired.isEmpty ? "Nothing to repair: no dirty migrations."
                                             : "Repaired \(repaired.map(\.digits).joined(separator: ", ")): now \(resolution.rawValue).")
        }
    }
}

extension RepairResolution: ExpressibleByArgument {}
