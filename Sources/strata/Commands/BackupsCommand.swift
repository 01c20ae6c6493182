import ArgumentParser
import Foundation
import StrataKit

struct BackupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backups",
        abstract: "List the backups in the backup directory, oldest first; --prune deletes old ones.")

    @Flag(help: "Delete backups older than --keep-days (default 30) or beyond the --keep newest; the newest is always kept.")
    var prune = false

    @Option(name: .customLong("keep-days"), help: ArgumentHelp("With --prune: keep backups younger than this many days.", valueName: "days"))
    var keepDays: Int?

    @Option(help: ArgumentHelp("With --prune: keep at most this many backups.", valueName: "count"))
    var keep: Int?

    @OptionGroup var global: GlobalOptions

    /// One backup in `--json` output.
    struct Item: Encodable {
        var file: String
        var path: String
        var kind: String
        var environment: String
        var createdAt: Date
        var fromVersion: String?
        var sizeBytes: Int64
        var sha256: String
        var durationMs: Int64
        var database: String
        var serverVersion: String
        init(_ e: BackupCatalog.Entry) {
            let m = e.manifest
            file = m.file
            path = e.backupPath
            kind = m.kind
            environment = m.environment
            createdAt = m.createdAt
            fromVersion = m.fromVersion
            sizeBytes = m.sizeBytes
            sha256 = m.sha256
            durationMs = m.durationMs
            database = m.database
            serverVersion = m.serverVersion
        }
    }

    struct JSON: Encodable {
        var directory: String
        var backups: [Item]
        var pruned: [Item]
    }

    func run() async throws {
        try await CommandContext.run(global) { ctx in
            let settings = try ctx.safetySettings(keepDays: keepDays, keep: keep)
            let catalog = BackupCatalog(directory: settings.backupDirectory)
            var pruned: [BackupCatalog.Entry] = []
            if prune {
                pruned = try catalog.prunable(keepDays: settings.keepDays, keep: settings.keep)
                try catalog.remove(pruned)
            }
            let entries = try catalog.list()
            let out = ctx.output
            if out.json {
                out.emitJSON(JSON(directory: settings.backupDirectory, backups: entries.map(Item.init), pruned: pruned.map(Item.init)))
                return
            }
            for p in pruned { out.line("pruned \(p.manifest.file)") }
            if entries.isEmpty { out.line("No backups in \(settings.backupDirectory)."); return }
            var rows = [["CREATED", "VERSION", "SIZE", "KIND", "FILE"]]
            for e in entries {
                rows.append([Timestamps.format(e.manifest.createdAt), e.manifest.fromVersion ?? "-", e.manifest.sizeBytes.byteText, e.manifest.kind, e.manifest.file])
            }
            out.table(rows)
            out.line(out.paint("\(entries.count) backup\(entries.count == 1 ? "" : "s") in \(settings.backupDirectory)", .dim))
        }
    }
}
