import Foundation
import StrataCore

/// The file side of `strata squash`: the baseline file's name and text, and moving the squashed files into `archive/`
/// (all or nothing: a failure part-way moves every file back).
///
/// ```swift
/// let moved = try SquashFiles.apply(directory: dir, baselineFile: "0050_baseline.sql", text: text, squashed: baseline.squashed)
/// ```
public enum SquashFiles {
    /// The folder squashed files go to, inside the migrations folder (Strata's reader skips it).
    public static let archive = "archive"

    public static func baselineFileName(through: MigrationVersion, name: String) -> String { "\(through.digits)_\(name).sql" }

    /// The baseline migration: a header naming what it replaces, `-- strata:up`, `-- strata:baseline`, the SQL.
    public static func baselineText(sql: String, squashed: [Migration], through: MigrationVersion, tool: String, date: Date = Date()) -> String {
        let first = squashed.first.map { "\($0.version.digits) \($0.name)" } ?? "?"
        let stamp = ISO8601DateFormatter().string(from: date)
        return """
            -- Baseline written by `strata squash --through \(through.digits)` on \(stamp) with \(tool).
            -- It stands for the \(squashed.count) migrations \(first) … \(through.digits), now in \(archive)/: a fresh database runs
            -- it instead of them; a database that already has them treats it as applied and never runs it.
            -- strata:up
            -- strata:baseline

            """ + sql
    }

    /// The top-level entries (files or migration folders) holding `squashed`, relative to the migrations folder.
    public static func entries(of squashed: [Migration]) -> [String] {
        var seen: [String] = []
        for m in squashed {
            for f in m.files {
                let top = String(f.split(separator: "/").first ?? Substring(f))
                if !seen.contains(top) { seen.append(top) }
            }
        }
        return seen
    }

    /// Moves the squashed entries into `archive/` and writes the baseline. Checks everything first; on a failure
    /// part-way, moves back what was moved and removes the baseline. Returns the moved entries.
    public static func apply(directory: URL, baselineFile: String, text: String, squashed: [Migration]) throws(SquashError) -> [String] {
        let fm = FileManager.default
        let archiveDir = directory.appendingPathComponent(archive)
        let entries = entries(of: squashed)
        for e in entries where fm.fileExists(atPath: archiveDir.appendingPathComponent(e).path) {
            throw SquashError("\(archive)/\(e) already exists; nothing was moved")
        }
        let baselineURL = directory.appendingPathComponent(baselineFile)
        if fm.fileExists(atPath: baselineURL.path) && !entries.contains(baselineFile) {
            throw SquashError("\(baselineFile) already exists; choose another name with --name; nothing was moved")
        }
        var moved: [String] = []
        do {
            try fm.createDirectory(at: archiveDir, withIntermediateDirectories: true)
            for e in entries {
                try fm.moveItem(at: directory.appendingPathComponent(e), to: archiveDir.appendingPathComponent(e))
                moved.append(e)
            }
            try Data(text.utf8).write(to: baselineURL, options: .withoutOverwriting)
        } catch {
            for e in moved.reversed() { try? fm.moveItem(at: archiveDir.appendingPathComponent(e), to: directory.appendingPathComponent(e)) }
            throw SquashError("cannot move the squashed files into \(archive)/ or write \(baselineFile): \((error as NSError).localizedDescription); every file was put back")
        }
        return moved
    }
}
