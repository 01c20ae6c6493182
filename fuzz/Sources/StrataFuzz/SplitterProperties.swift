import StrataCore

/// Properties of ``StatementSplitter/split(_:startLine:)`` that hold for every input:
///
/// 1. Positions: each statement's line lies within the text, its column is at least 1, and the statement's
///    text is found in the input at exactly that line and (character) column.
/// 2. Order: statements appear in input order and do not overlap.
/// 3. Nothing is lost: the text outside the statements is only whitespace, `;` and comments.
/// 4. Shape: each statement is non-empty, starts with a token and has no surrounding whitespace.
/// 5. Stability: a statement split again on its own is exactly one statement, itself, at line 1 column 1.
/// 6. Errors: an unterminated construct is reported at a position inside the text.
enum SplitterProperties {
    static func check(_ text: String, startLine: Int) {
        let input = Array(text.utf8)
        let lines = LineTable(input)
        let statements: [SQLStatement]
        do {
            statements = try StatementSplitter.split(text, startLine: startLine)
        } catch {
            require(error.line >= startLine && error.line < startLine + lines.count, "error line \(error.line) outside the text", text)
            require(error.column >= 1, "error column \(error.column) < 1", text)
            return
        }

        var cursor = 0
        for (index, statement) in statements.enumerated() {
            let sql = Array(statement.sql.utf8)
            require(!sql.isEmpty, "statement \(index) is empty", text)
            require(!isSpace(sql[0]) && !isSpace(sql[sql.count - 1]), "statement \(index) has surrounding whitespace", text)
            let lineIndex = statement.line - startLine
            require(lineIndex >= 0 && lineIndex < lines.count, "statement \(index) line \(statement.line) outside the text", text)
            require(statement.column >= 1, "statement \(index) column \(statement.column) < 1", text)
            guard let offset = lines.find(sql, in: input, line: lineIndex, column: statement.column, from: cursor) else {
                fail("statement \(index) (line \(statement.line), column \(statement.column)) not found there after offset \(cursor)", text)
            }
            require(Gap.isOnlySeparators(input[cursor..<offset]), "text between statements \(index - 1) and \(index) is not only whitespace, ; and comments", text)
            cursor = offset + sql.count

            let again: [SQLStatement]
            do { again = try StatementSplitter.split(statement.sql) } catch {
                fail("statement \(index) split on its own throws: \(error)", text)
            }
            require(again == [SQLStatement(sql: statement.sql, line: 1, column: 1)],
                    "statement \(index) split on its own gives \(again)", text)
        }
        require(Gap.isOnlySeparators(input[cursor...]), "text after the last statement is not only whitespace, ; and comments", text)
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
}

/// Line starts of a text split on LF, CRLF or CR (as the splitter counts lines).
struct LineTable {
    private(set) var starts: [Int] = [0]
    let total: Int
    var count: Int { starts.count }

    init(_ bytes: [UInt8]) {
        total = bytes.count
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A {
                starts.append(i + 1)
            } else if bytes[i] == 0x0D {
                if i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
                starts.append(i + 1)
            }
            i += 1
        }
    }

    /// The first offset at or after `from` on `line` where `needle` occurs and whose column (characters
    /// since the line start, plus one) is `column`.
    func find(_ needle: [UInt8], in bytes: [UInt8], line: Int, column: Int, from: Int) -> Int? {
        let lineStart = starts[line]
        let lineEnd = line + 1 < starts.count ? starts[line + 1] : total
        var offset = max(from, lineStart)
        while offset < lineEnd && offset + needle.count <= bytes.count {
            if bytes[offset] == needle[0] && bytes[offset..<(offset + needle.count)].elementsEqual(needle)
                && String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1 == column {
                return offset
            }
            offset += 1
        }
        return nil
    }
}

/// What may lie between statements.
enum Gap {
    static func isOnlySeparators(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            let c = bytes[i]
            if SplitterProperties.isSpace(c) || c == 0x3B {
                i += 1
            } else if c == 0x2D && i + 1 < end && bytes[i + 1] == 0x2D {
                while i < end && bytes[i] != 0x0A && bytes[i] != 0x0D { i += 1 }
            } else if c == 0x2F && i + 1 < end && bytes[i + 1] == 0x2A {
                var depth = 1
                i += 2
                while i < end && depth > 0 {
                    if bytes[i] == 0x2A && i + 1 < end && bytes[i + 1] == 0x2F { depth -= 1; i += 2 }
                    else if bytes[i] == 0x2F && i + 1 < end && bytes[i + 1] == 0x2A { depth += 1; i += 2 }
                    else { i += 1 }
                }
                if depth > 0 { return false }
            } else {
                return false
            }
        }
        return true
    }
}

func require(_ condition: Bool, _ message: @autoclosure () -> String, _ input: String) {
    if !condition { fail(message(), input) }
}

func fail(_ message: String, _ input: String) -> Never {
    fatalError("property broken: \(message)\ninput (\(input.utf8.count) bytes): \(String(reflecting: input))")
}
