import Foundation

/// goose's SQL migration parser (pressly/goose `internal/sqlparser`), line for line: `-- +goose Up` / `Down`
/// (any case), `StatementBegin` / `StatementEnd`, `NO TRANSACTION`, `ENVSUB ON` / `OFF`. Outside a
/// StatementBegin block a statement ends at a line whose last word (before any `--` comment) ends with `;`.
///
/// ```swift
/// let parsed = try GooseParser.parse("-- +goose Up\nCREATE TABLE t (id int);\n", file: "1_t.sql", variables: [:])
/// parsed.up.map(\.sql)  // ["CREATE TABLE t (id int)"]
/// ```
enum GooseParser {
    struct Parsed {
        var up: [SQLStatement] = []
        var down: [SQLStatement] = []
        var hasDown = false
        var useTransaction = true
        /// The text between `+goose Up` and `+goose Down` (or the end), for the checksum.
        var upText = ""
        var downText = ""
    }

    enum Annotation: String, CaseIterable {
        case up = "Up", down = "Down", statementBegin = "StatementBegin", statementEnd = "StatementEnd"
        case noTransaction = "NO TRANSACTION", envsubOn = "ENVSUB ON", envsubOff = "ENVSUB OFF"
    }

    private enum State { case start, up, beginUp, endUp, down, beginDown, endDown }

    /// The annotation on `line`, nil when the line is not one (goose: a `--` line containing `+goose`).
    static func annotation(_ line: Substring, file: String, lineNumber: Int) throws(SourceProblem) -> Annotation? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("--"), line.contains("+goose") else { return nil }
        func bad(_ why: String) -> SourceProblem { SourceProblem(file: file, line: lineNumber, column: 1, message: why) }
        if line.hasPrefix(" ") || line.hasPrefix("\t") {
            throw bad("goose annotation with leading whitespace; goose requires `-- +goose …` at the start of the line")
        }
        var cmd = line.replacingOccurrences(of: "--", with: "")
        if let r = cmd.range(of: "+goose") { cmd.removeSubrange(r) }
        if cmd.contains("+goose") { throw bad("more than one `+goose` annotation on one line") }
        cmd = cmd.trimmingCharacters(in: .whitespacesAndNewlines)
        if cmd.isEmpty { throw bad("empty goose annotation (expected Up, Down, StatementBegin, StatementEnd, NO TRANSACTION, ENVSUB ON or ENVSUB OFF)") }
        guard let a = Annotation.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(cmd) == .orderedSame }) else {
            throw bad("unknown goose annotation `\(cmd)` (known: Up, Down, StatementBegin, StatementEnd, NO TRANSACTION, ENVSUB ON, ENVSUB OFF)")
        }
        return a
    }

    static func parse(_ text: String, file: String, variables: [String: String]) throws(SourceProblem) -> Parsed {
        // goose reads lines with bufio.Scanner: split at LF, a trailing CR dropped.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        lines = lines.map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }

        var parsed = Parsed()
        var state = State.start
        var envsub = false
        var buf: [(line: Int, text: String)] = []
        var upMarker: Int?, downMarker: Int?
        func problem(_ line: Int, _ message: String) -> SourceProblem { SourceProblem(file: file, line: line, column: 1, message: message) }
        func emit(into isUp: Bool) {
            defer { buf = [] }
            guard let first = buf.firstIndex(where: { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) else { return }
            var sql = buf[first...].map(\.text).joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if sql.hasSuffix(";") { sql.removeLast(); sql = sql.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard !sql.isEmpty else { return }
            let column = buf[first].text.prefix { $0 == " " || $0 == "\t" }.count + 1
            let statement = SQLStatement(sql: sql, line: buf[first].line, column: column)
            if isUp { parsed.up.append(statement) } else { parsed.down.append(statement) }
        }
        func unfinished(_ line: Int) -> SourceProblem {
            let start = buf.first { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }?.line ?? line
            return problem(start, "unfinished SQL statement (goose needs a `;` at the end of the line that ends a statement, or `-- +goose StatementBegin` / `StatementEnd` around it)")
        }

        for (index, raw) in lines.enumerated() {
            let n = index + 1
            var line = String(raw)
            if state == .start && line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if let a = try annotation(raw, file: file, lineNumber: n) {
                switch a {
                case .up:
                    guard state == .start else { throw problem(n, "second `-- +goose Up` annotation") }
                    state = .up
                    upMarker = n
                    continue
                case .down:
                    guard state == .up || state == .endUp else {
                        throw problem(n, state == .start ? "`-- +goose Down` before `-- +goose Up`; a goose file must start with `-- +goose Up`"
                                                         : "`-- +goose Down` \(state == .beginUp ? "inside a StatementBegin block (missing `-- +goose StatementEnd`)" : "after the down section started")")
                    }
                    if !buf.isEmpty && !buf.allSatisfy({ $0.text.trimmingCharacters(in: .whitespaces).isEmpty }) { throw unfinished(n) }
                    buf = []
                    state = .down
                    downMarker = n
                    parsed.hasDown = true
                    continue
                case .statementBegin:
                    switch state {
                    case .up, .endUp: state = .beginUp
                    case .down, .endDown: state = .beginDown
                    default: throw problem(n, "`-- +goose StatementBegin` must follow `-- +goose Up` or `-- +goose Down`\(state == .start ? "" : " (a StatementBegin block is already open)")")
                    }
                    continue
                case .statementEnd:
                    switch state {
                    case .beginUp: state = .endUp
                    case .beginDown: state = .endDown
                    default: throw problem(n, "`-- +goose StatementEnd` without a `-- +goose StatementBegin` before it")
                    }
                case .noTransaction:
                    parsed.useTransaction = false
                    continue
                case .envsubOn:
                    envsub = true
                    continue
                case .envsubOff:
                    envsub = false
                    continue
                }
            }
            if buf.isEmpty && (line.trimmingCharacters(in: .whitespaces).hasPrefix("--") || line.isEmpty) { continue }
            switch state {
            case .endUp, .endDown:
                break  // the StatementEnd line itself is not part of the statement
            case .start:
                throw problem(n, "SQL before any `-- +goose Up` annotation; a goose migration must start with `-- +goose Up`")
            default:
                if envsub {
                    do { line = try GooseEnvsub.expand(line, variables: variables) } catch {
                        throw problem(n, "ENVSUB: variable substitution failed: \(error.message)")
                    }
                }
                buf.append((n, line))
            }
            switch state {
            case .up, .down:
                if endsWithSemicolon(line) { emit(into: state == .up) }
            case .endUp:
                emit(into: true)
                state = .up
            case .endDown:
                emit(into: false)
                state = .down
            default:
                break
            }
        }
        switch state {
        case .start:
            throw SourceProblem(file: file, message: "no `-- +goose Up` annotation; a goose migration must start with `-- +goose Up`")
        case .beginUp, .beginDown:
            throw SourceProblem(file: file, line: lines.count, message: "missing `-- +goose StatementEnd` (a StatementBegin block is still open at the end of the file)")
        default:
            if buf.contains(where: { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) { throw unfinished(lines.count) }
        }
        let all = FormatFiles.lines(text)
        if let u = upMarker {
            let end = downMarker.map { $0 - 1 } ?? all.count
            parsed.upText = u < end ? all[u..<end].joined(separator: "\n") : ""
        }
        if let d = downMarker, d < all.count { parsed.downText = all[d...].joined(separator: "\n") }
        return parsed
    }

    /// goose's `endsWithSemicolon`: the last whitespace-separated word before any word starting with `--` ends with `;`.
    static func endsWithSemicolon(_ line: String) -> Bool {
        var previous = ""
        for word in line.split(whereSeparator: { $0.isWhitespace }) {
            if word.hasPrefix("--") { break }
            previous = String(word)
        }
        return previous.hasSuffix(";")
    }
}
