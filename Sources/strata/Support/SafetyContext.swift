import Foundation
import StrataKit

extension CommandContext {
    /// Safety settings for commands that work with backups and validation (the flags of `up` do not apply).
    func safetySettings(keepDays: Int? = nil, keep: Int? = nil) throws -> SafetySettings {
        var flags = SafetyFlags()
        flags.keepDays = keepDays
        flags.keep = keep
        return try SafetySettings.resolve(config: config, flags: flags)
    }

    var backupService: BackupService {
        get throws {
            BackupService(target: config.target, makeDriver: { Drivers.driver(for: $0) }, directory: try safetySettings().backupDirectory)
        }
    }

    /// Records an event in `strata_events` on a session holding the lock.
    func record(_ locked: Migrator.Locked, version: MigrationVersion?, direction: MigrationEvent.Direction, outcome: MigrationEvent.Outcome,
                started: Date, note: String) async throws {
        let c = locked.migrator.context
        let event = MigrationEvent(runID: c.runID, version: version, direction: direction, outcome: outcome, startedAt: started, finishedAt: Date(),
                                   error: config.redactor.redact(note), environment: c.environment, host: c.host, user: c.user)
        try await locked.session.execute(locked.store.insert(event))
    }
}

extension Int64 {
    /// 1.2 MB, 842 bytes.
    var byteText: String { ByteCountFormatter.string(fromByteCount: self, countStyle: .file) }
}
