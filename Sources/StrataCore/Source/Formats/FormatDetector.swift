import Foundation

/// Which layout a folder was read as, and why.
public struct FormatDetection: Sendable, Hashable, CustomStringConvertible {
    public var format: MigrationFormat
    /// What gave the layout away (`meta/_journal.json`, `-- +goose Up annotations`…), or where the choice came from.
    public var reason: String
    /// True when the user chose the format (`--format`, `format =` in strata.toml), false when detected.
    public var explicit: Bool
    public init(format: MigrationFormat, reason: String, explicit: Bool) {
        self.format = format
        self.reason = reason
        self.explicit = explicit
    }
    public var description: String { "\(format.displayName) (\(explicit ? reason : "detected: " + reason))" }
}

/// Recognises a migrations folder's layout from what is in it. Strata's own layout wins whenever it shows
/// (a `-- strata:` marker, a `verify.sql`, a `strata.sum`) and whenever the signs are ambiguous; the user can
/// always name the format (`--format`).
///
/// | sign                                                         | layout         |
/// |--------------------------------------------------------------|----------------|
/// | `meta/_journal.json`                                         | drizzle        |
/// | `sqitch.plan`                                                | sqitch         |
/// | a `-- strata:` marker line, `strata.sum`, `*.verify.sql`       | strata         |
/// | a `-- +goose Up` line (any case)                             | goose          |
/// | a `-- migrate:up` line                                       | dbmate         |
/// | only `<N>_<name>.up.sql` / `.down.sql` files                 | golang-migrate |
/// | `<v>_<name>/up.sql` folders plus `*_diesel_initial_setup/`, a `metadata.toml`, or `diesel.toml` beside or above | diesel |
/// | `V1__name.sql` / `R__name.sql` files                          | flyway         |
/// | anything else                                                | strata         |
///
/// ```swift
/// let detection = FormatDetector.detect(URL(fileURLWithPath: "migrations"))
/// print(detection)   // goose (detected: `-- +goose Up` in 12 files)
/// ```
public enum FormatDetector {
    public static func detect(_ directory: URL) -> FormatDetection {
        func found(_ f: MigrationFormat, _ why: String) -> FormatDetection { FormatDetection(format: f, reason: why, explicit: false) }
        let strataDefault = found(.strata, "Strata's own layout")
        guard let entries = try? FormatFiles.list(directory) else { return strataDefault }
        if FormatFiles.exists(directory, DrizzleSource.journal) { return found(.drizzle, DrizzleSource.journal) }
        if FormatFiles.exists(directory, "sqitch.plan") { return found(.sqitch, "sqitch.plan") }
        if entries.contains(where: { $0.name == SumFile.fileName }) { return found(.strata, SumFile.fileName) }

        let sqlFiles = entries.filter { !$0.isDirectory && TextScan.hasSuffixIgnoringCase($0.name, ".sql") }.map(\.name)
        if sqlFiles.contains(where: { TextScan.hasSuffixIgnoringCase($0, ".verify.sql") }) { return found(.strata, "a .verify.sql file") }
        var goose = 0, dbmate = 0
        for name in sqlFiles {
            guard let text = try? FormatFiles.read(directory, name) else { continue }
            let signs = signs(in: text)
            if signs.strata { return found(.strata, "a `-- strata:` marker in \(name)") }
            if signs.goose { goose += 1 }
            if signs.dbmate { dbmate += 1 }
        }
        if goose > 0 && dbmate > 0 {
            return found(.strata, "ambiguous: both `-- +goose Up` and `-- migrate:up` files; pass --format")
        }
        if goose > 0 { return found(.goose, "`-- +goose Up` in \(goose) file\(goose == 1 ? "" : "s")") }
        if dbmate > 0 { return found(.dbmate, "`-- migrate:up` in \(dbmate) file\(dbmate == 1 ? "" : "s")") }

        let pairs = sqlFiles.filter { GolangMigrateSource.parse($0)?.ext == "sql" }
        if !pairs.isEmpty && pairs.count == sqlFiles.count && pairs.contains(where: { GolangMigrateSource.parse($0)?.up == true }) {
            return found(.golangMigrate, "<N>_<name>.up.sql / .down.sql files without `-- strata:` markers")
        }

        let folders = entries.filter(\.isDirectory).map(\.name).filter { FormatFiles.exists(directory, $0 + "/up.sql") }
        if !folders.isEmpty && sqlFiles.isEmpty, let sign = dieselSign(directory, folders: folders) {
            let strataSign = folders.first { folder in
                FormatFiles.exists(directory, folder + "/verify.sql")
                    || ["up.sql", "down.sql"].contains { (try? FormatFiles.read(directory, folder + "/" + $0)).map { signs(in: $0).strata } ?? false }
            }
            if let strataSign { return found(.strata, "Strata markers in \(strataSign)/") }
            return found(.diesel, sign)
        }
        if let v = sqlFiles.first(where: isFlywayName) { return found(.flyway, "Flyway file names such as \(v)") }
        return strataDefault
    }

    /// What in `text` points at a layout.
    static func signs(in text: String) -> (strata: Bool, goose: Bool, dbmate: Bool) {
        var result = (strata: false, goose: false, dbmate: false)
        let mayStrata = text.range(of: "strata:", options: .caseInsensitive) != nil
        let mayGoose = text.range(of: "+goose", options: .caseInsensitive) != nil
        let mayDbmate = text.contains("migrate:up")
        guard mayStrata || mayGoose || mayDbmate else { return result }
        for line in FormatFiles.lines(text) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard trimmed.hasPrefix("--") else { continue }
            if mayStrata, let (word, _) = SectionParser.directiveText(trimmed), SectionParser.knownDirectives.contains(word) { result.strata = true }
            if mayGoose, (try? GooseParser.annotation(line, file: "", lineNumber: 0)) == .up { result.goose = true }
            if mayDbmate, DbmateSource.directive(line, "up") != nil { result.dbmate = true }
        }
        return result
    }

    /// A sign that `<v>_<name>/up.sql` folders are diesel's rather than Strata's, or nil.
    static func dieselSign(_ directory: URL, folders: [String]) -> String? {
        if let setup = folders.first(where: { $0.hasSuffix("_diesel_initial_setup") }) { return "\(setup)/" }
        if let meta = folders.first(where: { FormatFiles.exists(directory, $0 + "/metadata.toml") }) { return "\(meta)/metadata.toml" }
        for dir in [directory, directory.deletingLastPathComponent()] where FileManager.default.fileExists(atPath: dir.appendingPathComponent("diesel.toml").path) {
            return "diesel.toml in \(dir.lastPathComponent)/"
        }
        return nil
    }

    /// Flyway's `V<version>__<desc>.sql`, `U…`, `B…` and repeatable `R__<desc>.sql`.
    static func isFlywayName(_ name: String) -> Bool {
        guard let first = name.first, "VUBR".contains(first), let sep = name.range(of: "__") else { return false }
        let version = name[name.index(after: name.startIndex)..<sep.lowerBound]
        return first == "R" ? version.isEmpty : (!version.isEmpty && version.allSatisfy { $0.isNumber || $0 == "." || $0 == "_" })
    }
}
