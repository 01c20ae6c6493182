import Foundation

/// A drizzle-kit migrations folder: `meta/_journal.json` lists the migrations (`entries` with `idx`, `when`,
/// `tag`, `breakpoints`) and their order; each is `<tag>.sql`, its statements separated by
/// `--> statement-breakpoint` (each piece is split further by Strata's splitter). `.sql` files the journal does not
/// name are skipped with a warning, as drizzle skips them. drizzle has no down migrations.
/// Version = the tag's leading digits (`0000_init` → 0000), or the entry's position when the tag has none;
/// ``MigrationOrigin/key`` = the entry's `when` (milliseconds), what `drizzle.__drizzle_migrations.created_at` holds.
///
/// ```swift
/// let reading = try DrizzleSource(directory: dir).read()
/// reading.warnings  // ["0005_draft.sql: not in meta/_journal.json; …"]
/// ```
public struct DrizzleSource: FormatReader {
    public static let format = MigrationFormat.drizzle
    public static let journal = "meta/_journal.json"
    public static let breakpoint = "--> statement-breakpoint"
    public let directory: URL
    public init(directory: URL) { self.directory = directory }

    struct Journal: Decodable {
        struct Entry: Decodable {
            var idx: Int?
            var when: Double
            var tag: String
            var breakpoints: Bool?
        }
        var entries: [Entry]
    }

    public func read() throws -> FormatReading {
        let journalText: String
        do { journalText = try FormatFiles.read(directory, Self.journal) } catch {
            throw SourceError(directory: location, problems: [error])
        }
        let journal: Journal
        do { journal = try JSONDecoder().decode(Journal.self, from: Data(journalText.utf8)) } catch {
            throw SourceError(directory: location, problems: [SourceProblem(file: Self.journal, message: "not a drizzle journal: \(Self.describe(error))")])
        }
        var problems: [SourceProblem] = []
        var migrations: [Migration] = []
        var named: Set<String> = []
        var previous: (MigrationVersion, String)?
        for (position, entry) in journal.entries.enumerated() {
            let file = entry.tag + ".sql"
            let at = "entry \(position) (tag \(entry.tag))"
            guard named.insert(file).inserted else {
                problems.append(SourceProblem(file: Self.journal, message: "\(at): the tag is listed twice"))
                continue
            }
            guard !entry.tag.isEmpty else {
                problems.append(SourceProblem(file: Self.journal, message: "entry \(position): empty tag"))
                continue
            }
            guard FormatFiles.exists(directory, file) else {
                problems.append(SourceProblem(file: Self.journal, message: "\(at) names \(file), which does not exist in \(location); restore the file or remove the entry"))
                continue
            }
            let digits = FormatFiles.leadingDigits(entry.tag)
            guard let version = MigrationVersion(digits ?? String(entry.idx ?? position)) else { continue }
            if let (prev, prevTag) = previous, !(prev < version) {
                problems.append(SourceProblem(file: Self.journal, message: "\(at): version \(version.digits) does not come after \(prevTag)'s \(prev.digits); Strata orders migrations by the tags' leading numbers, which must rise in journal order"))
            }
            previous = (version, entry.tag)
            var name = digits.map { String(entry.tag.dropFirst($0.count)) } ?? entry.tag
            while name.hasPrefix("_") { name.removeFirst() }
            do {
                let raw = try FormatFiles.read(directory, file)
                let text = FormatFiles.lines(raw).joined(separator: "\n")
                let up = FormatFiles.script(file: file, text: text, statements: try Self.statements(text, file: file), toolSaysNoTransaction: false)
                migrations.append(Migration(version: version, name: name, up: up, down: nil, verify: nil, files: [file],
                                            origin: MigrationOrigin(format: .drizzle, key: String(Int64(entry.when)))))
            } catch {
                problems.append(error)
            }
        }
        var warnings: [String] = []
        for entry in try FormatFiles.list(directory) where !entry.isDirectory && entry.name.lowercased().hasSuffix(".sql") && !named.contains(entry.name) {
            warnings.append("\(entry.name): not in \(Self.journal); drizzle skips it, and so does Strata")
        }
        if !problems.isEmpty { throw SourceError(directory: location, problems: FormatFiles.sorted(problems)) }
        return FormatReading(format: .drizzle, migrations: migrations, warnings: warnings)
    }

    /// The file cut at every `--> statement-breakpoint` (as drizzle does), each piece split into statements with file lines.
    static func statements(_ text: String, file: String) throws(SourceProblem) -> [SQLStatement] {
        var out: [SQLStatement] = []
        var line = 1
        for piece in text.components(separatedBy: breakpoint) {
            out += try FormatFiles.split(piece, startLine: line, file: file)
            line += piece.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        }
        return out
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let c)?: return "missing `\(key.stringValue)`\(c.codingPath.isEmpty ? "" : " in " + path(c.codingPath))"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?: return "wrong type at \(path(c.codingPath))"
        case .dataCorrupted(let c)?: return c.codingPath.isEmpty ? "invalid JSON" : "invalid value at \(path(c.codingPath))"
        default: return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}
