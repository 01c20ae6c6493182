import ArgumentParser
import Foundation
import StrataKit

struct HashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Write strata.sum: a checksum per migration file and a chained hash of the directory.",
        discussion: "Commit strata.sum. `strata validate` and `strata up` refuse to run when the files no longer match it.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await CommandContext.run(global) { ctx in
            let (url, sum) = try await ctx.writeSumFile()
            if ctx.output.json { ctx.output.emitJSON(["file": url.path, "total": sum.total, "files": "\(sum.entries.count)"]); return }
            ctx.output.line("Wrote \(ctx.directoryDisplay)/\(SumFile.fileName): \(sum.entries.count) file\(sum.entries.count == 1 ? "" : "s"), total \(sum.total.prefix(16))…")
        }
    }
}
