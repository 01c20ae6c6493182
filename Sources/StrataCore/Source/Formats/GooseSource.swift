import Foundation

/// A goose migrations folder: `<version>_<name>.sql` files, version an int64 above zero (sequential `00001` or
/// timestamp `20260101120000`, mixed freely, ordered numerically), annotations read by ``GooseParser``.
/// Files goose skips (no numeric prefix, version 0) are skipped with a warning; `.go` migrations are an error.
///
/// ```swift
/// let reading = try GooseSource(directory: dir, variables: ProcessInfo.processInfo.environment).read()
/// reading.migrations.first?.origin  // MigrationOrigin(format: .goose, key: "1")
/// ```
public struct GooseSource: FormatReader {
    public static let format = MigrationFormat.goose
    public let directory: URL
    /// Values for `-- +goose ENVSUB ON` sections.
    public let variables: [String: String]

    public init(directory: URL, variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.directory = directory
        self.variables = variables
    }

    /// goose's version of a file name (`NumericComponent`), or nil when goose would skip the file.
    static func version(of name: String) -> Int64? {
        guard let cut = name.firstIndex(of: "_"), let n = Int64(name[..<cut]), n >= 1 else { return nil }
        return n
    }

    public func read() throws -> FormatReading {
        var problems: [SourceProblem] = []
        var warnings: [String] = []
        var migrations: [Migration] = []
        var seen: [Int64: String] = [:]
        for entry in try FormatFiles.list(directory) where !entry.isDirectory {
            let name = entry.name
            let lower = name.lowercased()
            guard name.hasSuffix(".sql") || (name.hasSuffix(".go") && !name.hasSuffix("_test.go")) else { continue }
            guard let v = Self.version(of: name) else {
                if lower.hasSuffix(".sql") { warnings.append("\(name): not a goose migration name (<version>_<name>.sql, version above zero); goose skips it, and so does Strata") }
                continue
            }
            if name.hasSuffix(".go") {
                problems.append(SourceProblem(file: name, message: "a goose Go migration; Strata runs SQL migrations only. Rewrite it as a .sql migration or move it out of the folder"))
                continue
            }
            if let other = seen[v] {
                problems.append(SourceProblem(file: name, message: "duplicate goose version \(v): also used by \(other)"))
                continue
            }
            seen[v] = name
            let stem = String(name.dropLast(4))
            let digits = String(stem[..<(stem.firstIndex(of: "_") ?? stem.endIndex)])
            guard let version = MigrationVersion(digits) else {
                problems.append(SourceProblem(file: name, message: "version `\(digits)` is not made of digits"))
                continue
            }
            do {
                let text = try FormatFiles.read(directory, name)
                let parsed = try GooseParser.parse(text, file: name, variables: variables)
                let noTx = !parsed.useTransaction
                let up = FormatFiles.script(file: name, text: parsed.upText, statements: parsed.up, toolSaysNoTransaction: noTx)
                let down = parsed.hasDown ? FormatFiles.script(file: name, text: parsed.downText, statements: parsed.down, toolSaysNoTransaction: noTx) : nil
                migrations.append(Migration(version: version, name: String(stem[stem.index(after: stem.firstIndex(of: "_") ?? stem.startIndex)...]),
                                            up: up, down: down, verify: nil, files: [name], origin: MigrationOrigin(format: .goose, key: String(v))))
            } catch {
                problems.append(error)
            }
        }
        if !problems.isEmpty { throw SourceError(directory: location, problems: FormatFiles.sorted(problems)) }
        return FormatReading(format: .goose, migrations: migrations.sorted { $0.version < $1.version }, warnings: warnings)
    }
}
