import Foundation

/// Which section of a migration a piece of SQL belongs to.
public enum SectionKind: String, Sendable, Hashable, CaseIterable, Codable {
    case up, down, verify
}

/// A section cut out of a migration file, before it is turned into a ``MigrationScript``.
///
/// Like a script read from a file, it keeps its text and the number of statements, not the statements: they are
/// split again from the text when asked (see ``MigrationScript/statements``).
public struct ParsedSection: Sendable, Hashable {
    /// The fields live in one immutable box: a parsed file's sections are passed around (and held, 10,000 at a
    /// time, while a directory is assembled) as one pointer each.
    private final class Storage: Sendable {
        let kind: SectionKind
        let text: String
        let startLine: Int
        let directives: SectionDirectives
        let statementCount: Int
        let holdsNonTransactionalStatement: Bool
        let checksum: Checksum.Value?
        init(kind: SectionKind, text: String, startLine: Int, directives: SectionDirectives, statementCount: Int,
             holdsNonTransactionalStatement: Bool, checksum: Checksum.Value?) {
            self.kind = kind
            self.text = text
            self.startLine = startLine
            self.directives = directives
            self.statementCount = statementCount
            self.holdsNonTransactionalStatement = holdsNonTransactionalStatement
            self.checksum = checksum
        }
    }
    private let storage: Storage

    /// A section whose `text`, split from `startLine`, gave `statementCount` statements, one of which cannot run in a
    /// transaction when `holdsNonTransactionalStatement`.
    init(kind: SectionKind, text: String, startLine: Int, directives: SectionDirectives, statementCount: Int,
         holdsNonTransactionalStatement: Bool, checksum: Checksum.Value?) {
        storage = Storage(kind: kind, text: text, startLine: startLine, directives: directives, statementCount: statementCount,
                          holdsNonTransactionalStatement: holdsNonTransactionalStatement, checksum: checksum)
    }

    public var kind: SectionKind { storage.kind }
    /// The section's text, from the line after its marker to the line before the next marker.
    public var text: String { storage.text }
    /// The file line on which `text` starts.
    public var startLine: Int { storage.startLine }
    public var directives: SectionDirectives { storage.directives }
    /// The statements, split again from ``text`` (it was split when the file was read).
    public var statements: [SQLStatement] {
        (try? StatementSplitter.split(storage.text, startLine: storage.startLine))
            ?? [SQLStatement(sql: storage.text, line: storage.startLine, column: 1)]
    }
    /// How many statements ``text`` holds.
    public var statementCount: Int { storage.statementCount }
    /// Whether a statement of the section cannot run in a transaction (see ``NonTransactionalStatement``).
    public var holdsNonTransactionalStatement: Bool { storage.holdsNonTransactionalStatement }
    /// ``Checksum/of(_:)`` of `text`, for up sections (computed while parsing, which may run in parallel).
    public var checksum: String? { storage.checksum?.text }
    /// ``checksum`` as held.
    public var checksumValue: Checksum.Value? { storage.checksum }

    public static func == (a: ParsedSection, b: ParsedSection) -> Bool {
        a.storage === b.storage || (a.kind == b.kind && a.startLine == b.startLine && a.directives == b.directives
            && a.checksumValue == b.checksumValue && a.text == b.text)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(text)
        hasher.combine(startLine)
    }
}

/// One value per section kind, each present or not: three slots, not a dictionary (a dictionary is an
/// allocation of its own, for every file of a directory).
public struct SectionSlots<Value> {
    public var up: Value?
    public var down: Value?
    public var verify: Value?

    public init(up: Value? = nil, down: Value? = nil, verify: Value? = nil) {
        self.up = up
        self.down = down
        self.verify = verify
    }

    public subscript(kind: SectionKind) -> Value? {
        get {
            switch kind {
            case .up: up
            case .down: down
            case .verify: verify
            }
        }
        set {
            switch kind {
            case .up: up = newValue
            case .down: down = newValue
            case .verify: verify = newValue
            }
        }
    }

    public var isEmpty: Bool { up == nil && down == nil && verify == nil }
}

extension SectionSlots: Sendable where Value: Sendable {}
extension SectionSlots: Equatable where Value: Equatable {}
extension SectionSlots: Hashable where Value: Hashable {}

extension SectionSlots: Sequence {
    /// The kinds present, in the order up, down, verify.
    public var keys: [SectionKind] { map(\.key) }

    public func makeIterator() -> IndexingIterator<[(key: SectionKind, value: Value)]> {
        var present: [(key: SectionKind, value: Value)] = []
        if let up { present.append((.up, up)) }
        if let down { present.append((.down, down)) }
        if let verify { present.append((.verify, verify)) }
        return present.makeIterator()
    }
}

/// The sections of one parsed file.
///
/// ```swift
/// let sections = try SectionParser.parse(text, file: "0001_init.sql", wholeFile: nil)
/// for (kind, section) in sections { print(kind, section.statements.count) }
/// ```
public typealias ParsedSections = SectionSlots<ParsedSection>

/// Reads `-- strata:up`, `-- strata:down`, `-- strata:verify` sections and their directives
/// (`-- strata:no-transaction`, `-- strata:timeout 30m`, `-- strata:lock-timeout 5s`).
///
/// ```swift
/// let sections = try SectionParser.parse(text, file: "0001_init.sql", wholeFile: nil)
/// sections[.up]?.statements.count
/// ```
public enum SectionParser {
    /// The names that may follow `strata:` in a comment.
    public static let knownDirectives = ["up", "down", "verify", "no-transaction", "timeout", "lock-timeout", "baseline"]

    /// Parses a file.
    /// - Parameters:
    ///   - wholeFile: nil for a single file with section markers; otherwise the section the whole file is
    ///     (as for `0001_x.up.sql` or `0001_x/down.sql`).
    /// - Throws: ``SourceProblem`` naming the file, line and column.
    public static func parse(_ text: String, file: String, wholeFile: SectionKind?) throws(SourceProblem) -> ParsedSections {
        let lines = splitLines(text)
        var sections = ParsedSections()
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
            sections[kind] = ParsedSection(kind: kind, text: body, startLine: currentStart, directives: directives, statementCount: statements.count,
                                           holdsNonTransactionalStatement: statements.contains { NonTransactionalStatement.reason($0.sql) != nil },
                                           checksum: kind == .up ? Checksum.value(of: body) : nil)
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
            case "no-transaction", "timeout", "lock-timeout", "baseline":
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
                case "baseline":
                    guard argument.isEmpty else {
                        throw SourceProblem(file: file, line: lineNumber, column: 1, message: "`-- strata:baseline` takes no argument (got `\(argument)`)")
                    }
                    guard current == .up else {
                        throw SourceProblem(file: file, line: lineNumber, column: 1, message: "`-- strata:baseline` belongs in the up section")
                    }
                    directives.baseline = true
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
    public static func directiveText(_ line: Substring) -> (String, String)? {
        // Byte-level: this runs on every comment line of every file.
        let bytes = line.utf8
        guard bytes.starts(with: [45, 45]) else { return nil }  // "--"
        var i = bytes.index(bytes.startIndex, offsetBy: 2)
        while i < bytes.endIndex, bytes[i] == 32 || bytes[i] == 9 { i = bytes.index(after: i) }
        let marker: [UInt8] = Array("strata:".utf8)
        for m in marker {
            guard i < bytes.endIndex, (bytes[i] | 0x20) == m || bytes[i] == m else { return nil }
            i = bytes.index(after: i)
        }
        let isSpace: (UInt8) -> Bool = { $0 == 32 || $0 == 9 || $0 == 13 || $0 == 10 || $0 == 11 || $0 == 12 }
        let wordStart = i
        while i < bytes.endIndex, !isSpace(bytes[i]) { i = bytes.index(after: i) }
        let word = String(decoding: bytes[wordStart..<i], as: UTF8.self).lowercased()
        while i < bytes.endIndex, isSpace(bytes[i]) { i = bytes.index(after: i) }
        var end = bytes.endIndex
        while end > i, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        let argument = String(decoding: bytes[i..<end], as: UTF8.self)
        if word.utf8.contains(where: { $0 >= 0x80 }) || argument.utf8.contains(where: { $0 >= 0x80 }) {
            // Non-ASCII whitespace (a no-break space after `-- strata:up`) separates words too.
            let full = word + " " + argument
            let w = full.prefix { !$0.isWhitespace }
            return (String(w), full.dropFirst(w.count).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return (word, argument)
    }

    /// Upper-case keywords packed into integers, a byte per letter, for ``transactionControl(_:)``.
    private enum Keyword {
        static func pack(_ text: StaticString) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<text.utf8CodeUnitCount { v = v << 8 | UInt64(text.utf8Start[i]) }
            return v
        }
        static let begin = pack("BEGIN"), commit = pack("COMMIT"), end = pack("END"), abort = pack("ABORT")
        static let start = pack("START"), rollback = pack("ROLLBACK")
    }

    /// The transaction-control command a statement starts with (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`,
    /// `ROLLBACK`, `ABORT`), or nil. `ROLLBACK TO SAVEPOINT` is allowed inside a transaction.
    static func transactionControl(_ sql: String) -> String? {
        // Only the first two words matter; look at ASCII letters only (the keywords are ASCII).
        let head = sql.utf8.prefix(40)
        guard let first = head.first, (first | 0x20) >= 97, (first | 0x20) <= 122 else { return nil }
        // Cheaper still for the usual statement (CREATE …, INSERT …): the first word, upper-cased in place, without allocating.
        var firstWord: UInt64 = 0, length = 0
        for b in head {
            let lower = b | 0x20
            guard lower >= 97 && lower <= 122 else { break }
            length += 1
            if length > 8 { return nil }  // no keyword here is longer than ROLLBACK
            firstWord = firstWord << 8 | UInt64(lower - 32)
        }
        switch firstWord {
        case Keyword.begin: return "BEGIN"
        case Keyword.commit: return "COMMIT"
        case Keyword.end: return "END"
        case Keyword.abort: return "ABORT"
        case Keyword.start, Keyword.rollback: break
        default: return nil
        }
        let words = head.split(whereSeparator: { !(($0 | 0x20) >= 97 && ($0 | 0x20) <= 122) && $0 != 95 }).prefix(3)
            .map { String(decoding: $0, as: UTF8.self).uppercased() }
        guard let first = words.first else { return nil }
        let second = words.count > 1 ? words[1] : ""
        switch first {
        case "BEGIN", "COMMIT", "END", "ABORT": return first
        case "START" where second == "TRANSACTION": return "START TRANSACTION"
        case "ROLLBACK" where second != "TO" && !((second == "WORK" || second == "TRANSACTION") && words.count > 2 && words[2] == "TO"):
            return "ROLLBACK"
        default: return nil
        }
    }

    static func isBlankOrComment(_ trimmed: Substring) -> Bool {
        let bytes = trimmed.utf8
        if bytes.starts(with: [45, 45]) { return true }  // "--"
        if bytes.contains(where: { $0 >= 0x80 }) { return trimmed.allSatisfy(\.isWhitespace) }  // e.g. a no-break space
        return bytes.allSatisfy { $0 == 32 || $0 == 9 || $0 == 11 || $0 == 12 || $0 == 13 || $0 == 10 }
    }

    /// Splits on LF, CRLF or CR, dropping the line terminators (scanning bytes, not characters: this runs on every file).
    public static func splitLines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let b = utf8[index]
            if b == 10 || b == 13 {
                lines.append(text[start..<index])
                var next = utf8.index(after: index)
                if b == 13, next < utf8.endIndex, utf8[next] == 10 { next = utf8.index(after: next) }
                index = next
                start = next
            } else {
                index = utf8.index(after: index)
            }
        }
        if start < utf8.endIndex { lines.append(text[start..<utf8.endIndex]) }
        return lines
    }
}

extension SourceProblem: Error {}
