import Foundation

/// A diesel migrations folder: one `<version>_<name>/` folder per migration holding `up.sql`, optional `down.sql`
/// and optional `metadata.toml`. The version is the text before the first `_` with dashes removed
/// (`2026-11-23-140501` → `20261123140501`, what `__diesel_schema_migrations` stores); diesel orders versions
/// as text. `run_in_transaction = false` in `metadata.toml` runs both sections outside a transaction. diesel's
/// own reading of that file is kept: a file that parses but lacks the key means false (serde's default for a
/// bool); a file that does not parse means true.
///
/// ```swift
/// let reading = try DieselSource(directory: dir).read()
/// reading.migrations.first?.origin?.key  // "00000000000000"
/// ```
public struct DieselSource: FormatReader {
    public static let format = MigrationFormat.diesel
    public let directory: URL
    public init(directory: URL) { self.directory = directory }

    /// Whether diesel wraps the migration in a transaction, from `metadata.toml`'s text; plus a warning when diesel
    /// would read the file in a surprising way.
    static func runInTransaction(metadata text: String?, file: String) -> (Bool, String?) {
        guard let text else { return (true, nil) }
        guard let parsed = try? ConfigFile.parse(text, path: file) else {
            return (true, "\(file): not valid TOML; diesel then runs the migration in a transaction, and so does Strata")
        }
        switch parsed.root["run_in_transaction"] {
        case nil: return (false, "\(file): has no `run_in_transaction`; diesel then reads it as false and runs the migration outside a transaction, and so does Strata")
        case .bool(let b)?: return (b, nil)
        case let other?: return (true, "\(file): `run_in_transaction` is \(other.typeName), not a boolean; diesel then runs the migration in a transaction, and so does Strata")
        }
    }

    public func read() throws -> FormatReading {
        var problems: [SourceProblem] = []
        var warnings: [String] = []
        var migrations: [Migration] = []
        var seen: [MigrationVersion: String] = [:]
        var order: [(text: String, version: MigrationVersion, file: String)] = []
        let fm = FileManager.default
        for entry in try FormatFiles.list(directory) where entry.isDirectory {
            let folder = entry.name
            let inner = ((try? fm.contentsOfDirectory(atPath: directory.path + "/" + folder)) ?? []).filter { !$0.hasPrefix(".") }
            guard !inner.isEmpty else { continue }  // diesel skips empty folders
            guard inner.contains("up.sql") else {
                problems.append(SourceProblem(file: folder + "/", message: "a folder without up.sql; diesel refuses it (unknown migration format)"))
                continue
            }
            let versionText = String(folder.prefix { $0 != "_" }).replacingOccurrences(of: "-", with: "")
            let name = folder.contains("_") ? String(folder[folder.index(after: folder.firstIndex(of: "_") ?? folder.startIndex)...]) : ""
            guard let version = MigrationVersion(versionText) else {
                problems.append(SourceProblem(file: folder + "/", message: "version `\(versionText)` is not made of digits; Strata needs numeric versions"))
                continue
            }
            if let other = seen[version] {
                problems.append(SourceProblem(file: folder + "/", message: "duplicate version \(versionText): also used by \(other)"))
                continue
            }
            seen[version] = folder + "/"
            order.append((versionText, version, folder + "/"))
            do throws(SourceProblem) {
                let metaFile = folder + "/metadata.toml"
                let meta = inner.contains("metadata.toml") ? try FormatFiles.read(directory, metaFile) : nil
                let (inTransaction, warning) = Self.runInTransaction(metadata: meta, file: metaFile)
                if let warning { warnings.append(warning) }
                let upFile = folder + "/up.sql"
                let upRaw = try FormatFiles.read(directory, upFile)
                if upRaw.isEmpty { throw SourceProblem(file: upFile, message: "is empty; diesel refuses to run an empty migration") }
                let up = try script(upFile, upRaw, noTransaction: !inTransaction)
                var down: MigrationScript?
                var files = [upFile]
                if inner.contains("down.sql") {
                    let downFile = folder + "/down.sql"
                    let downRaw = try FormatFiles.read(directory, downFile)
                    files.append(downFile)
                    if downRaw.isEmpty { warnings.append("\(downFile): is empty; diesel refuses to revert with it, so Strata treats the migration as having no down section") }
                    else { down = try script(downFile, downRaw, noTransaction: !inTransaction) }
                }
                if meta != nil { files.append(metaFile) }
                migrations.append(Migration(version: version, name: name, up: up, down: down, verify: nil, files: files,
                                            origin: MigrationOrigin(format: .diesel, key: versionText)))
            } catch {
                problems.append(error)
            }
        }
        problems += FormatFiles.textOrderProblems(order, tool: "diesel")
        if !problems.isEmpty { throw SourceError(directory: location, problems: FormatFiles.sorted(problems)) }
        return FormatReading(format: .diesel, migrations: migrations.sorted { $0.version < $1.version }, warnings: warnings)
    }

    private func script(_ file: String, _ raw: String, noTransaction: Bool) throws(SourceProblem) -> MigrationScript {
        let text = FormatFiles.lines(raw).joined(separator: "\n")
        return FormatFiles.script(file: file, text: text, statements: try FormatFiles.split(text, startLine: 1, file: file), toolSaysNoTransaction: noTransaction)
    }
}
