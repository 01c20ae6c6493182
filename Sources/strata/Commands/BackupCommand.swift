import ArgumentParser
import Foundation
import StrataKit

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the database now (pg_dump -Fc, or a SQLite copy) into the backup directory.",
        discussion: "Waits for the migration lock, so the backup never catches a migration half-way. Recorded in strata_events.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await CommandContext.run(global) { ctx in
            let service = try ctx.backupService
            let settings = try ctx.safetySettings()
            let migrator = ctx.migrator()
            let started = Date()
            let entry = try await migrator.withLockedSession(lockWait: ctx.config.lockWait) { locked in
                let from = try await locked.store.applied(on: locked.session).filter { $0.state == .applied && !$0.version.isRepeatable }.map(\.version).max()
                let entry = try await service.take(kind: "manual", environment: settings.environmentName, fromVersion: from?.digits,
                                                   runID: locked.migrator.context.runID, strataVersion: StrataVersion.current)
                try await ctx.record(locked, version: from, direction: .backup, outcome: .ok, started: started, note: "backup \(entry.backupPath)")
                return entry
            }
            if ctx.output.json {
                ctx.output.emitJSON(BackupsCommand.Item(entry))
            } else {
                ctx.output.line("Backed up \(ctx.config.target.display) at \(entry.manifest.fromVersion ?? "no version") to \(entry.backupPath) (\(entry.manifest.sizeBytes.byteText), \(DurationText.format(.milliseconds(entry.manifest.durationMs))))")
            }
        }
    }
}
