import Foundation

/// A golang-migrate folder: `<N>_<name>.up.sql` and optional `<N>_<name>.down.sql`, N an unsigned integer,
/// ordered numerically. golang-migrate sends each file to PostgreSQL whole, so it runs in one (implicit)
/// transaction; Strata runs it in its own transaction — unless the file manages its own (`BEGIN` … `COMMIT`),
/// which then runs as written, statement by statement, outside Strata's.
/// Files that do not match golang-migrate's pattern are skipped, as golang-migrate does (with a warning).
///
/// ```swift
/// let reading = try GolangMigrateSource(directory: dir).read()
/// reading.migrations.first?.origin?.key  // "1" for 000001_init.up.sql (schema_migrations.version is a bigint)
/// ```
public struct GolangMigrateSource: FormatReader {
    public static let format = MigrationFormat.golangMigrate
    public let directory: URL
    public init(directory: URL) { self.directory = directory }

    /// golang-migrate's `^([0-9]+)_(.*)\.(down|up)\.(.*)$`: version, name, direction (`up`/`down`), extension.
    static func parse(_ name: String) -> (version: String, name: String, up: Bool, ext: String)? {
        let digits = name.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, name.dropFirst(digits.count).first == "_" else { return nil }
        let rest = name.dropFirst(digits.count + 1)
        // The name is greedy: the last `.up.` / `.down.` wins.
        let upRange = rest.range(of: ".up.", options: .backwards)
        let downRange = rest.range(of: ".down.", options: .backwards)
        let pick: (Range<Substring.Index>, Bool)?
        switch (upRange, downRange) {
        case (let u?, let d?): pick = u.lowerBound > d.lowerBound ? (u, true) : (d, false)
        case (let u?, nil): pick = (u, true)
        case (nil, let d?): pick = (d, false)
        default: pick = nil
        }
        guard let (range, up) = pick else { return nil }
        return (String(digits), String(rest[..<range.lowerBound]), up, String(rest[range.upperBound...]))
    }

    public func read() throws -> FormatReading {
        var problems: [SourceProblem] = []
        var warnings: [String] = []
        struct Pair { var name: String; var up: String?; var down: String? }
        var pairs: [UInt64: Pair] = [:]
        for entry in try FormatFiles.list(directory) where !entry.isDirectory {
            guard let p = Self.parse(entry.name) else {
                if entry.name.lowercased().hasSuffix(".sql") {
                    warnings.append("\(entry.name): not a golang-migrate name (<version>_<name>.up.sql / .down.sql); golang-migrate skips it, and so does Strata")
                }
                continue
            }
            guard p.ext == "sql" else {
                warnings.append("\(entry.name): not a .sql file; Strata skips it")
                continue
            }
            guard let v = UInt64(p.version) else {
                warnings.append("\(entry.name): version \(p.version) is too large for golang-migrate; it skips the file, and so does Strata")
                continue
            }
            var pair = pairs[v] ?? Pair(name: p.name)
            if let existing = p.up ? pair.up : pair.down {
                problems.append(SourceProblem(file: entry.name, message: "duplicate golang-migrate \(p.up ? "up" : "down") migration for version \(v): also \(existing)"))
                continue
            }
            if p.up { pair.up = entry.name; pair.name = p.name } else { pair.down = entry.name }
            pairs[v] = pair
        }
        var migrations: [Migration] = []
        for (v, pair) in pairs {
            guard let upFile = pair.up else {
                problems.append(SourceProblem(file: pair.down ?? "\(v)", message: "a down migration without its .up.sql file"))
                continue
            }
            do {
                let up = try wholeFileScript(upFile)
                var down: MigrationScript?
                if let downFile = pair.down { down = try wholeFileScript(downFile) }
                let digits = String(upFile.prefix { $0.isNumber })
                guard let version = MigrationVersion(digits) else { continue }
                migrations.append(Migration(version: version, name: pair.name, up: up, down: down, verify: nil,
                                            files: [upFile] + (pair.down.map { [$0] } ?? []),
                                            origin: MigrationOrigin(format: .golangMigrate, key: String(v))))
            } catch {
                problems.append(error)
            }
        }
        if !problems.isEmpty { throw SourceError(directory: location, problems: FormatFiles.sorted(problems)) }
        return FormatReading(format: .golangMigrate, migrations: migrations.sorted { $0.version < $1.version }, warnings: warnings)
    }

    /// A whole file as one section; its text (lines joined with LF) is what Strata's own pair layout checksums.
    private func wholeFileScript(_ file: String) throws(SourceProblem) -> MigrationScript {
        let text = FormatFiles.lines(try FormatFiles.read(directory, file)).joined(separator: "\n")
        let statements = try FormatFiles.split(text, startLine: 1, file: file)
        return FormatFiles.script(file: file, text: text, statements: statements, toolSaysNoTransaction: false)
    }
}
