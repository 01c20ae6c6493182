import Foundation

/// One SQL statement cut out of a migration section.
///
/// ```swift
/// let statements = try StatementSplitter.split("SELECT 1;\n  SELECT 2;", startLine: 10)
/// statements[1] // SQLStatement(sql: "SELECT 2", line: 11, column: 3)
/// ```
public struct SQLStatement: Sendable, Hashable, Codable {
    /// The statement text, without the terminating semicolon, trimmed of surrounding whitespace,
    /// and with any comments before its first token removed. Comments inside the statement are kept.
    public var sql: String
    /// The 1-based file line of the statement's first token (offset by the `startLine` given to
    /// ``StatementSplitter/split(_:startLine:)``).
    public var line: Int
    /// The 1-based column of the statement's first token, counted in characters.
    public var column: Int

    /// Creates a statement.
    ///
    /// ```swift
    /// let statement = SQLStatement(sql: "SELECT 1", line: 3, column: 1)
    /// ```
    public init(sql: String, line: Int, column: Int) {
        self.sql = sql
        self.line = line
        self.column = column
    }
}

/// A construct in the SQL text that is opened but never closed, so the text cannot be split.
///
/// ```swift
/// do {
///     _ = try StatementSplitter.split("SELECT 'oops;")
/// } catch {
///     print(error) // line 1, column 8: string literal opened here is never closed
/// }
/// ```
public struct SplitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was left open.
    public enum Kind: String, Sendable {
        /// A `'...'` (or `E'...'`) string literal.
        case unterminatedSingleQuote
        /// A `"..."` quoted identifier.
        case unterminatedDoubleQuote
        /// A `$$...$$` or `$tag$...$tag$` string.
        case unterminatedDollarQuote
        /// A `/* ... */` comment (comments nest).
        case unterminatedBlockComment
        /// A `BEGIN ATOMIC ... END` function body.
        case unterminatedAtomicBody
    }

    /// What was left open.
    public var kind: Kind
    /// The 1-based file line where the unterminated construct starts.
    public var line: Int
    /// The 1-based column (in characters) where the unterminated construct starts.
    public var column: Int
    /// A human-readable explanation, such as `dollar-quoted string $body$ opened here is never closed`.
    public var detail: String

    /// `line L, column C: <detail>`.
    public var description: String { "line \(line), column \(column): \(detail)" }

    /// Creates an error.
    ///
    /// ```swift
    /// let error = SplitError(kind: .unterminatedBlockComment, line: 4, column: 1,
    ///                        detail: "block comment opened here is never closed")
    /// ```
    public init(kind: Kind, line: Int, column: Int, detail: String) {
        self.kind = kind
        self.line = line
        self.column = column
        self.detail = detail
    }
}

/// Splits migration SQL into statements, for PostgreSQL and SQLite.
///
/// Statements end at a `;` that is outside string literals (`'...'` with `''`, `E'...'` with
/// backslash escapes), quoted identifiers (`"..."`), dollar-quoted strings (`$$...$$`,
/// `$tag$...$tag$`), line comments (`-- ...`), nested block comments (`/* ... */`), parentheses
/// (so `CREATE RULE ... DO INSTEAD (INSERT ...; INSERT ...)` stays whole) and, like psql,
/// `BEGIN ... END` / `CASE ... END` blocks of statements that start with
/// `CREATE [OR REPLACE] [TEMP | TEMPORARY] FUNCTION | PROCEDURE | TRIGGER` (so `BEGIN ATOMIC`
/// function bodies and SQLite trigger bodies stay whole). Blocks are only counted outside
/// parentheses, and `BEGIN`, `CASE` and `END` in other statements (such as a column named
/// `begin`, or a `BEGIN;` that starts a transaction) never hold a `;` back.
///
/// ```swift
/// let statements = try StatementSplitter.split("""
///     CREATE TABLE t (id int);
///     CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT 'a;b' $$;
///     """)
/// statements.map(\.sql) // ["CREATE TABLE t (id int)", "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT 'a;b' $$"]
/// ```
public enum StatementSplitter {
    /// Splits `text` into statements.
    ///
    /// - Parameters:
    ///   - text: SQL text, such as one section of a migration file.
    ///   - startLine: The file line number of the first line of `text`, so that statements and
    ///     errors carry file line numbers.
    /// - Returns: The non-empty statements, in order. A final statement without a `;` is included,
    ///   as is a final statement whose parentheses (or non-`ATOMIC` blocks) are never closed: it
    ///   runs to the end of `text`, and the database reports the mistake.
    /// - Throws: ``SplitError`` when a quote, dollar quote, block comment or `BEGIN ATOMIC` body
    ///   is still open at the end of `text`.
    ///
    /// ```swift
    /// let statements = try StatementSplitter.split("-- setup\nBEGIN;\nSELECT 1;\nCOMMIT", startLine: 5)
    /// statements.map(\.line) // [6, 7, 8]
    /// ```
    public static func split(_ text: String, startLine: Int = 1) throws(SplitError) -> [SQLStatement] {
        var scanner = SplitScanner(bytes: Array(text.utf8), startLine: startLine)
        return try scanner.run()
    }
}

// MARK: - Scanner

private enum Byte {
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let vt: UInt8 = 0x0B
    static let ff: UInt8 = 0x0C
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let doubleQuote: UInt8 = 0x22
    static let dollar: UInt8 = 0x24
    static let ampersand: UInt8 = 0x26
    static let singleQuote: UInt8 = 0x27
    static let openParen: UInt8 = 0x28
    static let closeParen: UInt8 = 0x29
    static let star: UInt8 = 0x2A
    static let minus: UInt8 = 0x2D
    static let slash: UInt8 = 0x2F
    static let semicolon: UInt8 = 0x3B
    static let backslash: UInt8 = 0x5C
    static let underscore: UInt8 = 0x5F

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool {
        c == space || c == lf || c == cr || c == tab || c == ff || c == vt
    }

    @inline(__always) static func isLetter(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool {
        c >= 0x30 && c <= 0x39
    }

    /// First character of an identifier or dollar-quote tag: `[A-Za-z_\x80-\xff]`.
    @inline(__always) static func isIdentStart(_ c: UInt8) -> Bool {
        isLetter(c) || c == underscore || c >= 0x80
    }

    /// Later character of a dollar-quote tag: `[A-Za-z0-9_\x80-\xff]`.
    @inline(__always) static func isTagChar(_ c: UInt8) -> Bool {
        isIdentStart(c) || isDigit(c)
    }

    /// Later character of an identifier (PostgreSQL also allows `$`).
    @inline(__always) static func isIdentChar(_ c: UInt8) -> Bool {
        isTagChar(c) || c == dollar
    }

    @inline(__always) static func lower(_ c: UInt8) -> UInt8 {
        (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c
    }
}

/// A `BEGIN` or `CASE` that raised the block depth and is waiting for its `END`.
private struct BlockOpener {
    var offset: Int
    var isAtomic: Bool
}

/// How far the statement's leading words match
/// `CREATE [OR REPLACE] [TEMP | TEMPORARY] FUNCTION | PROCEDURE | TRIGGER`, the statements whose
/// `BEGIN`/`CASE` ... `END` blocks are counted (as psql does for functions and procedures).
private enum LeadingWords {
    /// No word read yet.
    case start
    /// `CREATE`.
    case create
    /// `CREATE OR`.
    case createOr
    /// `CREATE OR REPLACE`.
    case createOrReplace
    /// `CREATE [OR REPLACE] TEMP` or `TEMPORARY`.
    case createTemp
    /// The whole prefix matched: blocks are counted in this statement.
    case routine
    /// Some other statement: blocks are not counted.
    case other
}

private struct SplitScanner {
    let bytes: [UInt8]
    let startLine: Int
    /// Byte offsets at which each line starts.
    private var lineStarts: [Int] = [0]
    /// Column cache: line index, byte offset and the column at that offset.
    private var cachedLine = -1
    private var cachedOffset = 0
    private var cachedColumn = 1

    private var statements: [SQLStatement] = []

    // State of the statement being read.
    /// Byte offset of the statement's first token, nil while only whitespace and comments were seen.
    private var statementStart: Int?
    private var leadingWords = LeadingWords.start
    /// Depth of `(` ... `)` outside quotes and comments; never below 0.
    private var parenDepth = 0
    /// Open `BEGIN`/`CASE` blocks; only used when `leadingWords` is `.routine`.
    private var blocks: [BlockOpener] = []
    /// Index in `blocks` of a `BEGIN` whose next word decides whether it is `BEGIN ATOMIC`.
    private var pendingBegin: Int?
    private var firstAtomicBegin: Int?

    init(bytes: [UInt8], startLine: Int) {
        self.bytes = bytes
        self.startLine = startLine
        var index = 0
        let count = bytes.count
        while index < count {
            let c = bytes[index]
            if c == Byte.lf {
                lineStarts.append(index + 1)
            } else if c == Byte.cr {
                if index + 1 < count && bytes[index + 1] == Byte.lf { index += 1 }
                lineStarts.append(index + 1)
            }
            index += 1
        }
    }

    mutating func run() throws(SplitError) -> [SQLStatement] {
        let count = bytes.count
        var i = 0
        while i < count {
            let c = bytes[i]
            if Byte.isSpace(c) {
                i += 1
                continue
            }
            if c == Byte.minus && i + 1 < count && bytes[i + 1] == Byte.minus {
                i += 2
                while i < count && bytes[i] != Byte.lf && bytes[i] != Byte.cr { i += 1 }
                continue
            }
            if c == Byte.slash && i + 1 < count && bytes[i + 1] == Byte.star {
                i = try skipBlockComment(from: i)
                continue
            }
            if c == Byte.semicolon {
                if blocks.isEmpty && parenDepth == 0 {
                    finishStatement(end: i)
                }
                i += 1
                continue
            }
            if statementStart == nil { statementStart = i }
            switch c {
            case Byte.singleQuote:
                i = try skipSingleQuoted(from: i, literalStart: i, escapes: false)
            case Byte.doubleQuote:
                i = try skipDoubleQuoted(from: i)
            case Byte.dollar:
                if let tagEnd = dollarTagEnd(at: i) {
                    i = try skipDollarQuoted(from: i, tagEnd: tagEnd)
                } else {
                    i += 1
                }
            case Byte.openParen:
                parenDepth += 1
                i += 1
            case Byte.closeParen:
                if parenDepth > 0 { parenDepth -= 1 }
                i += 1
            default:
                if Byte.isIdentChar(c) {
                    i = try scanWord(from: i)
                } else {
                    i += 1
                }
            }
        }
        if statementStart != nil {
            // Unclosed parentheses (or a block without ATOMIC, such as an unfinished trigger
            // body) leave the rest of the text as one statement for the database to reject.
            if !blocks.isEmpty {
                let atomic = blocks.first(where: { $0.isAtomic })?.offset ?? firstAtomicBegin
                if let atomic {
                    throw error(.unterminatedAtomicBody, at: atomic,
                                "BEGIN ATOMIC body opened here is never closed by a matching END")
                }
            }
            finishStatement(end: count)
        }
        return statements
    }

    // MARK: Constructs

    /// Skips a (nesting) block comment starting at `start`; returns the offset after it.
    private func skipBlockComment(from start: Int) throws(SplitError) -> Int {
        let count = bytes.count
        var depth = 1
        var i = start + 2
        while i < count {
            let c = bytes[i]
            if c == Byte.star && i + 1 < count && bytes[i + 1] == Byte.slash {
                depth -= 1
                i += 2
                if depth == 0 { return i }
            } else if c == Byte.slash && i + 1 < count && bytes[i + 1] == Byte.star {
                depth += 1
                i += 2
            } else {
                i += 1
            }
        }
        throw error(.unterminatedBlockComment, at: start, "block comment opened here is never closed")
    }

    /// Skips a `'...'` literal whose opening quote is at `quote`; `literalStart` is where the
    /// literal (including an `E` prefix) starts. Returns the offset after the closing quote.
    private func skipSingleQuoted(from quote: Int, literalStart: Int, escapes: Bool) throws(SplitError) -> Int {
        let count = bytes.count
        var i = quote + 1
        while i < count {
            let c = bytes[i]
            if c == Byte.singleQuote {
                if i + 1 < count && bytes[i + 1] == Byte.singleQuote {
                    i += 2
                } else {
                    return i + 1
                }
            } else if escapes && c == Byte.backslash {
                i += 2
            } else {
                i += 1
            }
        }
        let detail = escapes
            ? "escape string literal E'...' opened here is never closed"
            : "string literal opened here is never closed"
        throw error(.unterminatedSingleQuote, at: literalStart, detail)
    }

    /// Skips a `"..."` identifier starting at `start`; returns the offset after the closing quote.
    private func skipDoubleQuoted(from start: Int) throws(SplitError) -> Int {
        let count = bytes.count
        var i = start + 1
        while i < count {
            if bytes[i] == Byte.doubleQuote {
                if i + 1 < count && bytes[i + 1] == Byte.doubleQuote {
                    i += 2
                } else {
                    return i + 1
                }
            } else {
                i += 1
            }
        }
        throw error(.unterminatedDoubleQuote, at: start, "quoted identifier opened here is never closed")
    }

    /// When a dollar-quote delimiter (`$$` or `$tag$`) starts at `start`, the offset of its closing `$`.
    private func dollarTagEnd(at start: Int) -> Int? {
        let count = bytes.count
        var j = start + 1
        guard j < count else { return nil }
        if bytes[j] == Byte.dollar { return j }
        guard Byte.isIdentStart(bytes[j]) else { return nil }
        j += 1
        while j < count && Byte.isTagChar(bytes[j]) { j += 1 }
        return j < count && bytes[j] == Byte.dollar ? j : nil
    }

    /// Skips a dollar-quoted string whose opening delimiter spans `start...tagEnd`.
    private func skipDollarQuoted(from start: Int, tagEnd: Int) throws(SplitError) -> Int {
        let count = bytes.count
        let tagLength = tagEnd - start + 1
        var i = tagEnd + 1
        while i + tagLength <= count {
            if bytes[i] == Byte.dollar {
                var k = 1
                while k < tagLength && bytes[i + k] == bytes[start + k] { k += 1 }
                if k == tagLength { return i + tagLength }
            }
            i += 1
        }
        let tag = String(decoding: bytes[start...tagEnd], as: UTF8.self)
        throw error(.unterminatedDollarQuote, at: start, "dollar-quoted string \(tag) opened here is never closed")
    }

    /// Reads a run of identifier characters (a word or a number) starting at `start`, tracking
    /// the statement's leading words, `BEGIN`/`CASE`/`END` blocks and `E'...'` strings. Returns
    /// the offset after what was read.
    private mutating func scanWord(from start: Int) throws(SplitError) -> Int {
        let count = bytes.count
        var end = start + 1
        while end < count && Byte.isIdentChar(bytes[end]) { end += 1 }
        let first = bytes[start]
        guard Byte.isIdentStart(first) else { return end } // a number such as 42 or 1e5

        let length = end - start
        let next: UInt8 = end < count ? bytes[end] : 0
        if length == 1 {
            let lower = Byte.lower(first)
            if next == Byte.singleQuote {
                if lower == 0x65 { // E'...': backslash escapes
                    return try skipSingleQuoted(from: end, literalStart: start, escapes: true)
                }
                if lower == 0x62 || lower == 0x78 || lower == 0x6E { // B'...', X'...', N'...'
                    return end
                }
            }
            if lower == 0x75 && next == Byte.ampersand && end + 1 < count
                && (bytes[end + 1] == Byte.singleQuote || bytes[end + 1] == Byte.doubleQuote) {
                return end // U&'...' or U&"..."
            }
        }

        guard leadingWords == .routine else {
            if leadingWords != .other {
                leadingWords = leadingWords(after: leadingWords, word: start, length)
            }
            return end
        }
        if let pending = pendingBegin {
            pendingBegin = nil
            if matches(start, length, "atomic") && pending < blocks.count {
                blocks[pending].isAtomic = true
                if firstAtomicBegin == nil { firstAtomicBegin = blocks[pending].offset }
            }
        }
        guard parenDepth == 0 else { return end }
        if matches(start, length, "begin") {
            blocks.append(BlockOpener(offset: start, isAtomic: false))
            pendingBegin = blocks.count - 1
        } else if matches(start, length, "case") {
            blocks.append(BlockOpener(offset: start, isAtomic: false))
        } else if matches(start, length, "end") && !blocks.isEmpty {
            blocks.removeLast()
        }
        return end
    }

    /// The leading-words state after the word at `start` with `length` bytes, matching
    /// `CREATE [OR REPLACE] [TEMP | TEMPORARY] FUNCTION | PROCEDURE | TRIGGER` word by word.
    private func leadingWords(after state: LeadingWords, word start: Int, _ length: Int) -> LeadingWords {
        func word(_ expected: StaticString) -> Bool { matches(start, length, expected) }
        func routineKind() -> LeadingWords {
            word("function") || word("procedure") || word("trigger") ? .routine : .other
        }
        switch state {
        case .start:
            return word("create") ? .create : .other
        case .create:
            if word("or") { return .createOr }
            return word("temp") || word("temporary") ? .createTemp : routineKind()
        case .createOr:
            return word("replace") ? .createOrReplace : .other
        case .createOrReplace:
            return word("temp") || word("temporary") ? .createTemp : routineKind()
        case .createTemp:
            return routineKind()
        case .routine, .other:
            return state
        }
    }

    /// Whether the word at `start` with `length` bytes equals the lowercase ASCII `word`, ignoring case.
    private func matches(_ start: Int, _ length: Int, _ word: StaticString) -> Bool {
        guard length == word.utf8CodeUnitCount else { return false }
        return word.withUTF8Buffer { buffer in
            for k in 0..<length where Byte.lower(bytes[start + k]) != buffer[k] { return false }
            return true
        }
    }

    // MARK: Statements and positions

    private mutating func finishStatement(end: Int) {
        defer {
            statementStart = nil
            leadingWords = .start
            parenDepth = 0
            blocks.removeAll(keepingCapacity: true)
            pendingBegin = nil
            firstAtomicBegin = nil
        }
        guard let start = statementStart else { return }
        var stop = end
        while stop > start && Byte.isSpace(bytes[stop - 1]) { stop -= 1 }
        guard stop > start else { return }
        let (line, column) = position(of: start)
        statements.append(SQLStatement(sql: String(decoding: bytes[start..<stop], as: UTF8.self), line: line, column: column))
    }

    private func error(_ kind: SplitError.Kind, at offset: Int, _ detail: String) -> SplitError {
        var copy = self
        let (line, column) = copy.position(of: offset)
        return SplitError(kind: kind, line: line, column: column, detail: detail)
    }

    /// The file line and character column of the byte at `offset`.
    private mutating func position(of offset: Int) -> (line: Int, column: Int) {
        // Last line start <= offset.
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        let lineIndex = low
        var from = lineStarts[lineIndex]
        var column = 1
        // Counting on from the cached offset is only exact where a character surely starts there: grapheme
        // clusters are not additive (`;` + U+0301 is one character, but two when counted in two pieces).
        // Only such offsets are cached.
        if cachedLine == lineIndex && cachedOffset <= offset {
            from = cachedOffset
            column = cachedColumn
        }
        column += characterCount(from: from, to: offset)
        if startsCharacter(offset, lineStart: lineStarts[lineIndex]) {
            cachedLine = lineIndex
            cachedOffset = offset
            cachedColumn = column
        }
        return (startLine + lineIndex, column)
    }

    /// Whether a character (grapheme cluster) surely starts at `offset`: the line start, or ASCII on both sides but not CR LF.
    private func startsCharacter(_ offset: Int, lineStart: Int) -> Bool {
        offset == lineStart || (offset < bytes.count && bytes[offset] < 0x80 && bytes[offset - 1] < 0x80 && bytes[offset - 1] != Byte.cr)
    }

    private func characterCount(from: Int, to: Int) -> Int {
        var ascii = true
        var k = from
        while k < to {
            if bytes[k] >= 0x80 { ascii = false; break }
            k += 1
        }
        if ascii { return to - from }
        return String(decoding: bytes[from..<to], as: UTF8.self).count
    }
}
