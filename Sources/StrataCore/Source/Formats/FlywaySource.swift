import Foundation

/// A Flyway SQL migrations location, read by Flyway's rules: the folder and its subfolders, scanned for
/// `V<version>__<desc>.sql` (versioned, ordered by version numerically part by part, `1.10` after `1.9`),
/// `U<version>__…` (undo: Strata's down section), `B<version>__…` (baseline: a fresh database starts from the newest
/// one and skips the versions it covers) and `R__<desc>.sql` (repeatable: run after the versioned ones, ordered by
/// description, run again whenever their checksum changes). `${placeholders}` are replaced with
/// ``FlywayPlaceholders`` (the checksum is taken before); a `<file>.sql.conf` beside a script may say
/// `executeInTransaction=false`. Callback scripts (`beforeMigrate.sql`…) and other `.sql` files are skipped with
/// a warning, as Flyway does not run them as migrations.
///
/// ```swift
/// let reading = try FlywaySource(directory: dir).read()
/// reading.migrations.map(\.version.digits)   // ["1", "1.1", "2", "R__views"]
/// ```
public struct FlywaySource: FormatReader {
    public static let format = MigrationFormat.flyway
    public let directory: URL
    /// For `FLYWAY_*` settings and `FLYWAY_PLACEHOLDERS_*`.
    public let variables: [String: String]

    public init(directory: URL, variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.directory = directory
        self.variables = variables
    }

    /// One script of a migration, read and parsed.
    struct Script {
        var file: String
        var name: FlywayFileName
        var script: MigrationScript
        var conf: String?
    }

    public func read() throws -> FormatReading {
        let settings = try FlywaySettings.load(directory: directory, variables: variables)
        var problems: [SourceProblem] = []
        var warnings: [String] = []
        var scripts: [Script] = []
        let files = try Self.files(directory)
        let fileSet = Set(files)
        for file in files {
            let base = (file as NSString).lastPathComponent
            if base.hasSuffix(".sql.conf") {
                if !fileSet.contains(String(file.dropLast(5))) {
                    warnings.append("\(file): a script configuration file without its script \(base.dropLast(5)); ignored")
                }
                continue
            }
            guard base.hasSuffix(".sql") else { continue }
            if FlywayFileName.isCallback(base) {
                warnings.append("\(file): a Flyway callback script; Strata does not run callbacks, so it is skipped")
                continue
            }
            do {
                guard let name = try FlywayFileName.parse(base) else {
                    warnings.append("\(file): not a Flyway migration name (V<version>__<desc>.sql, U…, B…, R__<desc>.sql); Flyway skips it, and so does Strata")
                    continue
                }
                let confFile = fileSet.contains(file + ".conf") ? file + ".conf" : nil
                var inTransaction = true
                if let confFile { inTransaction = try Self.executeInTransaction(try FormatFiles.read(directory, confFile), file: confFile) }
                let raw = try FormatFiles.read(directory, file)
                let replaced = try FlywayPlaceholders.replace(raw, settings: settings, file: file)
                var script = FormatFiles.script(file: file, text: raw, statements: try FormatFiles.split(replaced, startLine: 1, file: file),
                                                toolSaysNoTransaction: !inTransaction)
                script.directives.baseline = name.kind == .baseline
                scripts.append(Script(file: file, name: name, script: script, conf: confFile))
            } catch {
                problems.append(error)
            }
        }
        let migrations = Self.assemble(scripts, problems: &problems)
        if !problems.isEmpty { throw SourceError(directory: location, problems: FormatFiles.sorted(problems)) }
        return FormatReading(format: .flyway, migrations: migrations, warnings: warnings)
    }

    /// Ties V, U and B scripts of one version together; checks duplicates as Flyway does.
    static func assemble(_ scripts: [Script], problems: inout [SourceProblem]) -> [Migration] {
        var byKind: [FlywayFileName.Kind: [MigrationVersion: Script]] = [:]
        var repeatables: [String: Script] = [:]
        for s in scripts {
            if s.name.kind == .repeatable {
                if let other = repeatables[s.name.description] {
                    problems.append(SourceProblem(file: s.file, message: "found more than one repeatable migration with description \"\(s.name.description)\": also \(other.file)"))
                } else {
                    repeatables[s.name.description] = s
                }
                continue
            }
            guard let version = MigrationVersion(s.name.versionText) else {
                problems.append(SourceProblem(file: s.file, message: "invalid version \(s.name.versionText)"))
                continue
            }
            if let other = byKind[s.name.kind]?[version] {
                let kind = s.name.kind == .undo ? "undo migration" : s.name.kind == .baseline ? "baseline migration" : "migration"
                problems.append(SourceProblem(file: s.file, message: "found more than one \(kind) with version \(version.digits): also \(other.file)"))
                continue
            }
            byKind[s.name.kind, default: [:]][version] = s
        }
        let versioned = byKind[.versioned] ?? [:], undo = byKind[.undo] ?? [:], baseline = byKind[.baseline] ?? [:]
        for (version, u) in undo where versioned[version] == nil {
            problems.append(SourceProblem(file: u.file, message: "undo migration for version \(version.digits), which has no V\(version.digits)__….sql to undo"))
        }
        var migrations: [Migration] = []
        for version in Set(versioned.keys).union(baseline.keys) {
            let v = versioned[version], b = baseline[version], u = undo[version]
            guard let main = v ?? b else { continue }
            let files = [v, u, b].compactMap { $0 }.flatMap { [$0.file] + ($0.conf.map { [$0] } ?? []) }
            var m = Migration(version: version, name: main.name.description, up: main.script, down: u?.script, verify: nil, files: files,
                              origin: MigrationOrigin(format: .flyway, key: main.name.versionText))
            if v != nil, let b { m.baselineUp = b.script }
            migrations.append(m)
        }
        for (description, r) in repeatables {
            let files = [r.file] + (r.conf.map { [$0] } ?? [])
            migrations.append(Migration(version: MigrationVersion(repeatable: description), name: description, up: r.script, down: nil, verify: nil,
                                        files: files, origin: MigrationOrigin(format: .flyway, key: description)))
        }
        return migrations.sorted { $0.version < $1.version }
    }

    /// `executeInTransaction` from a `.sql.conf` file (Java properties); other keys Flyway knows are accepted, unknown ones refused.
    static func executeInTransaction(_ text: String, file: String) throws(SourceProblem) -> Bool {
        var result = true
        for (key, value) in FlywaySettings.properties(text) {
            switch key {
            case "executeInTransaction":
                switch value.trimmingCharacters(in: .whitespaces).lowercased() {
                case "true": result = true
                case "false": result = false
                default: throw SourceProblem(file: file, message: "executeInTransaction must be true or false, not `\(value)`")
                }
            case "encoding":
                guard ["utf-8", "utf8"].contains(value.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw SourceProblem(file: file, message: "encoding \(value): Strata reads migrations as UTF-8 only; convert the script to UTF-8")
                }
            case "shouldExecute":
                throw SourceProblem(file: file, message: "shouldExecute (conditional migrations) is not supported; remove it or move the script out of the folder")
            default:
                throw SourceProblem(file: file, message: "unknown script configuration property `\(key)` (known: executeInTransaction, encoding)")
            }
        }
        return result
    }

    /// Every non-hidden file under `directory`, as paths relative to it, sorted.
    static func files(_ directory: URL) throws(SourceError) -> [String] {
        var out: [String] = []
        var folders = [""]
        while let folder = folders.popLast() {
            let url = folder.isEmpty ? directory : directory.appendingPathComponent(folder)
            for entry in try FormatFiles.list(url) {
                let path = folder.isEmpty ? entry.name : folder + "/" + entry.name
                if entry.isDirectory { folders.append(path) } else { out.append(path) }
            }
        }
        return out.sorted()
    }
}
