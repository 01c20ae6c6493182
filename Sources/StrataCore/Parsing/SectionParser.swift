import Foundation

/// Which section of a migration a piece of SQL belongs to.
public enum SectionKind: String, Sendable, Hashable, CaseIterable, Codable {
    case up, down, verify
}

/// A section cut out of a migration file, before it is turned into a ``MigrationScript``.
public struct ParsedSection: Sendable, Hashable {
    public var kind: SectionKind
    /// The section's text, from the line after its marker to the line before the next marker.
    public var text: String
    /// The file line on which `text` starts.
    public var startLine: Int
    public var directives: SectionDirectives
    public var statements: [SQLStatement]
}

/// Reads `-- strata:up`, `-- strata:down`, `-- strata:verify` sections and their directives
/// (`-- strata:no-transaction`, `-- strata:timeout 30m`, `-- strata:lock-timeout 5s`).
///
/// ```swift
/// let sections = try SectionParser.parse(text, file: "0001_init.sql", wholeFile: nil)
/// sections[.up]?.statements.count
/// ```
public enum SectionParser {
    /// The names that may follow `strata:` in a comment.
    public static let knownDirectives = ["up", "down", "verify", "no-transaction", "timeout", "lock-timeout"]

    /// Parses a file.
    /// - Parameters:
    ///   - wholeFile: nil for a single file with section markers; otherwise the section the whole file is
    ///     (as for `0001_x.up.sql` or `0001_x/down.sql`).
    /// - Throws: ``SourceProblem`` naming the file, line and column.
    public static func parse(_ text: String, file: String, wholeFile: SectionKind?) throws(SourceProblem) -> [SectionKind: ParsedSection] {
        let lines = splitLines(text)
        var sections: [SectionKind: ParsedSection] = [:]
        var current: SectionKind? = wholeFile
        var currentStart = 1
        var currentLines: [Substring] = []
        var directives = SectionDirectives()
        var sawSQL = false
        var markerLine: [SectionKind: Int] = [:]

        func close() throws(SourceProblem) {
            guard let kind = current else { return }
            let body = currentLines.joined(separator: "\n")
            let statements: [SQLStatement]
            do {
                statements = try StatementSplitter.split(body, startLine: currentStart)
            } catch {
                throw SourceProblem(file: file, line: error.line, column: error.column, message: error.detail)
            }
            if !directives.noTransaction, let bad = statements.first(where: { transactionControl($0.sql) != nil }) {
                let word = transactionControl(bad.sql) ?? "BEGIN"
                throw SourceProblem(file: file, line: bad.line, column: bad.column,
                                    message: "`\(word)` in a section that runs in a transaction: Strata wraps each migration in its own transaction. Remove it, or put `-- strata:no-transaction` at the top of the section to run the statements as written")
            }
            sections[kind] = ParsedSection(kind: kind, text: body, startLine: currentStart, directives: directives, statements: statements)
        }

        for (index, rawLine) in lines.enumerated() {
            let lineNumber = index + 1
            let trimmed = rawLine.drop { $0 == " " || $0 == "\t" }
            guard let directive = directiveText(trimmed) else {
                if current == nil {
                    if !isBlankOrComment(trimmed) {
                        throw SourceProblem(file: file, line: lineNumber, column: 1,
                                            message: "SQL before the first section marker; start the file with `-- strata:up`")
                    }
                } else {
                    currentLines.append(rawLine)
                    if !isBlankOrComment(trimmed) { sawSQL = true }
                }
                continue
            }
            let (word, argument) = directive
            switch word {
            case "up", "down", "verify":
                let kind = SectionKind(rawValue: word) ?? .up
                if let wholeFile {
                    if kind == wholeFile && !sawSQL && currentLines.allSatisfy({ isBlankOrComment($0.drop { $0 == " " || $0 == "\t" }) }) {
                        currentLines.append(rawLine)
                        continue
                    }
                    throw SourceProblem(file: file, line: lineNumber, column: 1,
                                        message: "`-- strata:\(word)` marker in a file that is itself the \(wholeFile.rawValue) section; put the \(word) SQL in its own file")
                }
                if let earlier = markerLine[kind] {
                    throw SourceProblem(file: file, line: lineNumber, column: 1,
                                        message: "second `-- strata:\(word)` section (the first is on line \(earlier))")
                }
                try close()
                markerLine[kind] = lineNumber
                current = kind
                currentStart = lineNumber + 1
                currentLines = []
                directives = SectionDirectives()
                sawSQL = false
            case "no-transaction", "timeout", "lock-timeout":
                guard current != nil else {
                    throw SourceProblem(file: file, line: lineNumber, column: 1,
                                        message: "directive `-- strata:\(word)` before any section; put it just below `-- strata:up` or `-- strata:down`")
                }
                if sawSQL {
                    throw SourceProblem(file: file, line: lineNumber, column: 1,
                                        message: "directive `-- strata:\(word)` after SQL; directives go at the top of their section")
                }
                switch word {
                case "no-transaction":
                    guard argument.isEmpty else {
                        throw SourceProblem(file: file, line: lineNumber, column: 1, message: "`-- strata:no-transaction` takes no argument (got `\(argument)`)")
                    }
                    directives.noTransaction = true
                default:
                    guard let duration = DurationText.parse(argument), duration > .zero, duration <= DurationText.maximumServerTimeout else {
                        throw SourceProblem(file: file, line: lineNumber, column: 1,
                                            message: "`-- strata:\(word)` needs a duration such as 30s, 5m or 1h (got `\(argument)`)")
                    }
                    if word == "timeout" { directives.statementTimeout = duration } else { directives.lockTimeout = duration }
                }
                currentLines.append(rawLine)
            default:
                throw SourceProblem(file: file, line: lineNumber, column: 1,
                                    message: "unknown directive `-- strata:\(word)` (known: \(knownDirectives.joined(separator: ", ")))")
            }
        }
        try close()
        if wholeFile == nil && sections[.up] == nil {
            throw SourceProblem(file: file, message: "no `-- strata:up` section; a migration file needs at least `-- strata:up` followed by its SQL")
        }
        return sections
    }

    /// The word and argument of a `-- strata:word argument` comment, or nil when the line is not one.
    static func directiveText(_ line: Substring) -> (String, String)? {
        guard line.hasPrefix("--") else { return nil }
        let afterDashes = line.dropFirst(2).drop { $0 == " " || $0 == "\t" }
        guard afterDashes.lowercased().hasPrefix("strata:") else { return nil }
        let rest = afterDashes.dropFirst("strata:".count)
        let word = rest.prefix { !$0.isWhitespace }.lowercased()
        let argument = rest.dropFirst(word.count).trimmingCharacters(in: .whitespacesAndNewlines)
        return (word, argument)
    }

    /// The transaction-control command a statement starts with (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`,
    /// `ROLLBACK`, `ABORT`), or nil. `ROLLBACK TO SAVEPOINT` is allowed inside a transaction.
    static func transactionControl(_ sql: String) -> String? {
        let words = sql.prefix(64).split(whereSeparator: { !$0.isLetter && $0 != "_" }).prefix(2).map { $0.uppercased() }
        guard let first = words.first else { return nil }
        let second = words.count > 1 ? words[1] : ""
        switch first {
        case "BEGIN", "COMMIT", "END", "ABORT": return first
        case "START" where second == "TRANSACTION": return "START TRANSACTION"
        case "ROLLBACK" where second != "TO": return "ROLLBACK"
        default: return nil
        }
    }

    static func isBlankOrComment(_ trimmed: Substring) -> Bool {
        trimmed.allSatisfy(\.isWhitespace) || trimmed.hasPrefix("--")
    }

    /// Splits on LF, CRLF or CR, dropping the line terminators.
    static func splitLines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if c == "\n" || c == "\r\n" || c == "\r" {
                lines.append(text[start..<index])
                index = text.index(after: index)
                start = index
            } else {
                index = text.index(after: index)
            }
        }
        if start < text.endIndex { lines.append(text[start..<text.endIndex]) }
        return lines
    }
}

extension SourceProblem: Error {}
