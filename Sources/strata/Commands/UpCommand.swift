import ArgumentParser
import StrataKit

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up", abstract: "Apply pending migrations.")

    @Option(help: ArgumentHelp("Apply up to and including this version.", valueName: "version"))
    var to: String?

    @OptionGroup var run: RunFlags
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let target = try to.map { try parseVersion($0, flag: "--to") }
        try await CommandContext.run(global, run: run) { ctx in
            try await MigrationRun.perform(.up(to: target), flags: run, ctx: ctx)
        }
    }
}

/// Reads a version argument, or explains what a version looks like.
func parseVersion(_ text: String, flag: String) throws -> MigrationVersion {
    if let v = MigrationVersion(text) { return v }
    if let (v, _) = MigrationFileName.splitVersion(text) { return v }
    throw ValidationError("\(flag) \(text): not a version (the leading digits of a migration's name, such as 20261123140501 or 0003)")
}
