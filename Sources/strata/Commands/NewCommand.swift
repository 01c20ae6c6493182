import ArgumentParser
import Foundation
import StrataKit

struct NewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new", abstract: "Create a migration file: <UTC timestamp>_<name>.sql with up and down sections.",
        discussion: "In a folder kept in another tool's layout (goose, golang-migrate, dbmate, diesel, Flyway, Sqitch), writes what that tool's own create command would, so the folder stays readable by both.")

    enum Layout: String, ExpressibleByArgument, CaseIterable {
        case single, pair, folder
    }

    @Argument(help: "What the migration does, e.g. create_users.")
    var name: String

    @Option(help: "File layout: single (one file with sections, the default), pair (.up.sql/.down.sql), folder (NAME/up.sql, down.sql).")
    var layout: Layout?

    @Flag(help: "Number it after the highest existing version (0001, 0002…) instead of a timestamp.")
    var sequence = false

    @Flag(name: .customLong("no-transaction"), help: "Mark the up section `-- strata:no-transaction` (for CREATE INDEX CONCURRENTLY and the like).")
    var noTransaction = false

    @OptionGroup var global: GlobalOptions

    static func slug(_ name: String) -> String {
        var out = ""
        for ch in name.lowercased() {
            if ch.isLetter || ch.isNumber { out.append(ch) } else if out.last != "_" { out.append("_") }
        }
        return out.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
    }

    func run() async throws {
        let slug = Self.slug(name)
        guard !slug.isEmpty else { throw ValidationError("NAME `\(name)` has no letters or digits; use something like create_users") }
        let chosenLayout = self.layout, layout = self.layout ?? .single, sequence = self.sequence, noTransaction = self.noTransaction
        try await CommandContext.run(global) { ctx in
            let fm = FileManager.default
            let dir = ctx.config.migrationsDirectory
            if let format = ctx.layout?.format, format != .strata {
                guard chosenLayout == nil, !noTransaction else {
                    throw CommandFailure(.usage, "--layout and --no-transaction shape Strata's own files; \(ctx.directoryDisplay) is in \(format.displayName)'s layout")
                }
                try Self.foreign(format, slug: slug, sequence: sequence, ctx: ctx)
                return
            }
            try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }
            let existing = names.compactMap { MigrationFileName.splitVersion($0)?.version }
            var version: String
            if sequence {
                let highest = existing.compactMap { Int($0.canonical) }.max() ?? 0
                guard highest < Int.max else { throw CommandFailure(.usage, "--sequence: the highest version is too large to follow; use a timestamp version") }
                let next = String(highest + 1)
                let width = max(4, existing.map(\.digits.count).max() ?? 4)
                version = String(repeating: "0", count: max(0, width - next.count)) + next
            } else {
                var date = Date()
                version = MigrationFileName.timestamp(date)
                while let candidate = MigrationVersion(version), existing.contains(candidate) {
                    date = date.addingTimeInterval(1)
                    version = MigrationFileName.timestamp(date)
                }
            }
            let directive = noTransaction ? "-- strata:no-transaction\n" : ""
            let upBody = "\(directive)-- Write the change here, e.g. CREATE TABLE ...;\n"
            let downBody = "-- Undo the change here, e.g. DROP TABLE ...;\n"
            let base = "\(version)_\(slug)"
            var written: [String] = []
            func write(_ path: String, _ text: String) throws {
                guard !fm.fileExists(atPath: path) else { throw CommandFailure(.failure, "\(path) already exists") }
                guard fm.createFile(atPath: path, contents: Data(text.utf8)) else { throw CommandFailure(.failure, "cannot write \(path)") }
                written.append(path)
            }
            switch layout {
            case .single:
                try write("\(dir)/\(base).sql", "-- strata:up\n\(upBody)\n-- strata:down\n\(downBody)")
            case .pair:
                try write("\(dir)/\(base).up.sql", upBody)
                try write("\(dir)/\(base).down.sql", downBody)
            case .folder:
                try fm.createDirectory(atPath: "\(dir)/\(base)", withIntermediateDirectories: true)
                try write("\(dir)/\(base)/up.sql", upBody)
                try write("\(dir)/\(base)/down.sql", downBody)
            }
            let cwd = fm.currentDirectoryPath
            let shown = written.map { $0.hasPrefix(cwd + "/") ? String($0.dropFirst(cwd.count + 1)) : $0 }
            if ctx.output.json { ctx.output.emitJSON(["version": version, "files": shown.joined(separator: ",")]); return }
            for s in shown { ctx.output.line("created \(s)") }
        }
    }

    /// A migration in another tool's layout (see ``ForeignNewMigration``).
    static func foreign(_ format: MigrationFormat, slug: String, sequence: Bool, ctx: CommandContext) throws {
        let dir = URL(fileURLWithPath: ctx.config.migrationsDirectory)
        let plan: ForeignNewMigration.Plan
        do {
            plan = try ForeignNewMigration.files(format: format, directory: dir, slug: slug, now: Date(), sequence: sequence,
                                                 variables: ProcessInfo.processInfo.environment)
        } catch let r as ForeignNewMigration.Refusal {
            throw CommandFailure(.usage, r.description)
        }
        do { try ForeignNewMigration.write(plan, into: dir) } catch {
            throw CommandFailure(.failure, "cannot write \(ctx.directoryDisplay)/\(error.path): \(error.reason)")
        }
        let shown = plan.files.map { "\(ctx.directoryDisplay)/\($0.path)" }
        if ctx.output.json { ctx.output.emitJSON(["version": plan.version, "files": shown.joined(separator: ","), "format": format.displayName]); return }
        for (f, s) in zip(plan.files, shown) { ctx.output.line("\(f.append ? "added to" : "created") \(s)") }
    }
}
