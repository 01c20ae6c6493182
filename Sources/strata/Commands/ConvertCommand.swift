import ArgumentParser
import Foundation
import StrataKit

struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Rewrite a migrations folder in another tool's layout into Strata's own layout.",
        discussion: """
            Reads --dir in its layout (detected, or --format) and writes one <version>_<name>.sql file per migration into \
            OUTDIR, with -- strata:up/down/verify sections and the directives the old tool's rules implied. Versions are kept; \
            the up section is written as it was whenever Strata reads the same statements from it, so checksums stay the same \
            and databases that applied the old folder need nothing. Each migration whose checksum had to change (placeholders \
            or environment values substituted, statements the tool splits differently) is listed. The new folder is read back \
            and checked before the command succeeds. OUTDIR must be new or empty.
            """)

    @Option(name: .customLong("to"), help: "The layout to write: strata.")
    var target: String

    @Argument(help: "The folder to write (new or empty).")
    var outdir: String

    @OptionGroup var global: GlobalOptions

    struct FileJSON: Encodable {
        var version: String
        var name: String
        var file: String
        var from: [String]
        var checksum: String
        var checksumKept: Bool
        var notes: [String]
    }

    struct ReportJSON: Encodable {
        var from: String
        var to: String
        var directory: String
        var migrations: [FileJSON]
    }

    func run() async throws {
        guard target.lowercased() == "strata" else {
            throw ValidationError("--to \(target): Strata converts into its own layout only; use --to strata")
        }
        let outdir = self.outdir
        try await CommandContext.run(global) { ctx in
            let fm = FileManager.default
            let out = URL(fileURLWithPath: outdir, relativeTo: URL(fileURLWithPath: fm.currentDirectoryPath + "/")).standardizedFileURL
            let source = URL(fileURLWithPath: ctx.config.migrationsDirectory).standardizedFileURL
            guard out.path != source.path else { throw CommandFailure(.usage, "OUTDIR \(outdir) is the migrations folder itself; write to a new folder") }
            let format = ctx.layout?.format ?? .strata
            let migrations = try await ctx.loadMigrations()
            guard format != .strata else {
                throw CommandFailure(.usage, "\(ctx.directoryDisplay) is already in Strata's layout; nothing to convert (pass --format to read it as another tool's)")
            }
            let converted = StrataLayoutConverter.convert(migrations, from: format)
            do { try await StrataLayoutConverter.write(converted, to: out) } catch let e as ConvertError {
                throw CommandFailure(e.kind == .usage ? .usage : .failure, e.description.replacingOccurrences(of: out.path, with: "OUTDIR \(outdir)"))
            }
            if ctx.output.json {
                ctx.output.emitJSON(ReportJSON(from: format.displayName, to: "strata", directory: out.path, migrations: converted.map {
                    FileJSON(version: $0.version.digits, name: $0.name, file: $0.file, from: $0.sources, checksum: $0.checksum, checksumKept: $0.checksumKept, notes: $0.notes)
                }))
                return
            }
            let changed = converted.filter { !$0.checksumKept }
            ctx.output.line("Converted \(converted.count) \(format.displayName) migration\(converted.count == 1 ? "" : "s") from \(ctx.directoryDisplay) into \(outdir) (Strata's layout); "
                             + (changed.isEmpty ? "every checksum unchanged." : "\(converted.count - changed.count) checksum\(converted.count - changed.count == 1 ? "" : "s") unchanged, \(changed.count) changed:"))
            for c in converted where !c.notes.isEmpty || !c.checksumKept {
                ctx.output.line("  \(c.file): " + (c.notes.isEmpty ? "checksum changed" : c.notes.joined(separator: "; ")))
            }
            if !changed.isEmpty {
                ctx.output.line("A database that already applied "
                                + (changed.count == 1 ? "it" : "them")
                                + " from the old folder will report a changed checksum: after switching, accept each with `strata repair --accept-checksum V`.")
            }
            ctx.output.line("Next: point Strata at it (`--dir \(outdir)` or `dir = \"\(outdir)\"` in strata.toml), then `strata hash --dir \(outdir)` and `strata status`.")
        }
    }
}
