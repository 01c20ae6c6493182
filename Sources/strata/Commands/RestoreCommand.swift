import ArgumentParser
import Foundation
import StrataKit

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database's contents with a backup (all or nothing).",
        discussion: """
            BACKUP is `latest` (the default), a file name from `strata backups`, or a path to a backup with its .json manifest.
            Every schema of the database is replaced by the backup's, history tables included, inside one transaction.
            Asks for confirmation on a terminal; scripts pass --yes. Recorded in strata_events.
            """)

    @Argument(help: ArgumentHelp("The backup to restore.", valueName: "backup"))
    var backup: String = "latest"

    @Flag(name: [.short, .long], help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var global: GlobalOptions

    struct JSON: Encodable {
        var restored: String
        var fromVersion: String?
        var database: String
        var durationMs: Int64
    }

    func run() async throws {
        let yes = self.yes, reference = self.backup
        try await CommandContext.run(global) { ctx in
            let service = try ctx.backupService
            let entry = try BackupCatalog(directory: service.directory).find(reference)
            let target = ctx.config.target.display
            if !yes {
                guard isatty(0) == 1 else {
                    throw CommandFailure(.usage, "restore replaces everything in \(target); pass --yes to confirm when not on a terminal")
                }
                ctx.output.note("This replaces every table of \(target) with the backup \(entry.manifest.file) (taken \(Timestamps.format(entry.manifest.createdAt)), at version \(entry.manifest.fromVersion ?? "none")).")
                ctx.output.note("Type the word restore to go on:")
                guard readLine()?.trimmingCharacters(in: .whitespaces) == "restore" else {
                    throw CommandFailure(.usage, "not confirmed; nothing was changed")
                }
            }
            let started = Date()
            let migrator = ctx.migrator()
            try await migrator.withLockedSession(lockWait: ctx.config.lockWait) { locked in
                try await service.restore(entry)
                try await ctx.record(locked, version: entry.manifest.fromVersion.flatMap(MigrationVersion.init), direction: .restore, outcome: .ok,
                                     started: started, note: "restored \(entry.backupPath)")
            }
            let ms = Int64(Date().timeIntervalSince(started) * 1000)
            if ctx.output.json {
                ctx.output.emitJSON(JSON(restored: entry.backupPath, fromVersion: entry.manifest.fromVersion, database: target, durationMs: ms))
            } else {
                ctx.output.line("Restored \(entry.manifest.file) into \(target) in \(DurationText.format(.milliseconds(ms))); now at \(entry.manifest.fromVersion ?? "no version").")
            }
        }
    }
}
