import Foundation

/// What a reader found in a folder: the migrations, and warnings about files the tool itself would skip.
///
/// ```swift
/// let reading = try DrizzleSource(directory: dir).read()
/// for w in reading.warnings { print("warning:", w) }
/// ```
public struct FormatReading: Sendable {
    public var format: MigrationFormat
    public var migrations: [Migration]
    /// Things the user should know but that do not stop a run (a `.sql` file missing from drizzle's journal…).
    public var warnings: [String]
    public init(format: MigrationFormat, migrations: [Migration], warnings: [String] = []) {
        self.format = format
        self.migrations = migrations
        self.warnings = warnings
    }
}

/// A reader of one other tool's folder layout (goose, golang-migrate, dbmate, diesel, drizzle…).
/// Each turns the folder into ``Migration`` values, with ``Migration/origin`` set, following that tool's own rules.
///
/// To add a format: write a `FormatReader`, teach ``FormatDetector`` its signs, and add it to ``MigrationSources/reader(for:directory:variables:)``.
public protocol FormatReader: MigrationSource {
    static var format: MigrationFormat { get }
    var directory: URL { get }
    /// Reads and checks every file. Throws ``SourceError`` listing every problem; nothing may run then.
    func read() throws -> FormatReading
}

extension FormatReader {
    public var location: String { directory.path }
    public func migrations() async throws -> [Migration] { try read().migrations }
    public func sumEntries(for migrations: [Migration]) async throws -> [SumEntry] {
        try FormatFiles.sumEntries(directory: directory, migrations: migrations)
    }
}

/// Helpers the readers share: listing, reading, building scripts with the transaction rules applied.
enum FormatFiles {
    struct Entry {
        var name: String
        var isDirectory: Bool
    }

    /// The folder's entries (hidden ones skipped), sorted by name. A missing folder is the usual Strata error.
    static func list(_ directory: URL) throws(SourceError) -> [Entry] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDir) else {
            throw SourceError(directory: directory.path, problems: [SourceProblem(file: directory.path, message: "migrations directory does not exist; pass --dir")])
        }
        guard isDir.boolValue else {
            throw SourceError(directory: directory.path, problems: [SourceProblem(file: directory.path, message: "is not a directory")])
        }
        let listed: [DirectoryListing.Entry]
        do { listed = try DirectoryListing.entries(atPath: directory.path) } catch {
            throw SourceError(directory: directory.path, problems: [SourceProblem(file: directory.path, message: "cannot list directory: \((error as NSError).localizedDescription)")])
        }
        return listed.filter { !$0.name.hasPrefix(".") }.map { Entry(name: $0.name, isDirectory: $0.kind == .directory) }.sorted { $0.name < $1.name }
    }

    /// A file's text (UTF-8, byte-order mark dropped), `relative` to the directory.
    static func read(_ directory: URL, _ relative: String) throws(SourceProblem) -> String {
        do { return try DirectorySource.readUTF8(atPath: directory.path + "/" + relative, display: relative) } catch let p as SourceProblem {
            throw p
        } catch {
            throw SourceProblem(file: relative, message: "cannot read: \(error)")
        }
    }

    static func exists(_ directory: URL, _ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.path + "/" + relative)
    }

    /// Lines without terminators (LF, CRLF or CR), as Strata's own parser cuts them.
    static func lines(_ text: String) -> [Substring] { SectionParser.splitLines(text) }

    /// Splits SQL with Strata's splitter; errors name the file, line and column.
    static func split(_ text: String, startLine: Int, file: String) throws(SourceProblem) -> [SQLStatement] {
        do { return try StatementSplitter.split(text, startLine: startLine) } catch {
            throw SourceProblem(file: file, line: error.line, column: error.column, message: error.detail)
        }
    }

    /// A section with the transaction rules every format shares applied: the tool's own "no transaction" setting;
    /// a section that manages its own transaction (`BEGIN` … `COMMIT`) runs as written; a statement that cannot run
    /// in a transaction (``NonTransactionalStatement``) takes the whole section out of one.
    static func script(file: String, text: String, statements: [SQLStatement], toolSaysNoTransaction: Bool) -> MigrationScript {
        var directives = SectionDirectives()
        directives.noTransaction = toolSaysNoTransaction
            || statements.contains { SectionParser.transactionControl($0.sql) != nil }
            || statements.contains { NonTransactionalStatement.reason($0.sql) != nil }
        return MigrationScript(file: file, text: text, statements: statements, directives: directives)
    }

    /// `strata.sum` lines: each file a migration was read from, with the checksum of its contents.
    static func sumEntries(directory: URL, migrations: [Migration]) throws -> [SumEntry] {
        var entries: [SumEntry] = []
        for m in migrations {
            for file in m.files {
                entries.append(SumEntry(path: file, checksum: Checksum.of(try read(directory, file))))
            }
        }
        return entries
    }

    /// The leading ASCII digits of `text`, or nil.
    static func leadingDigits(_ text: String) -> String? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : String(digits)
    }

    /// A problem when versions' order as text (how `tool` sorts them) differs from their numeric order (how Strata sorts them).
    static func textOrderProblems(_ items: [(text: String, version: MigrationVersion, file: String)], tool: String) -> [SourceProblem] {
        let byText = items.sorted { $0.text < $1.text }
        let byNumber = items.sorted { $0.version < $1.version }
        for (a, b) in zip(byText, byNumber) where a.file != b.file {
            return [SourceProblem(file: a.file, message: "\(tool) orders versions as text, which puts \(a.file) before \(b.file); Strata orders them as numbers. Give the versions the same number of digits (pad with zeros) so both orders agree")]
        }
        return []
    }

    /// Sorts problems as ``SourceError`` lists them.
    static func sorted(_ problems: [SourceProblem]) -> [SourceProblem] {
        problems.sorted { ($0.file, $0.line ?? 0) < ($1.file, $1.line ?? 0) }
    }
}
