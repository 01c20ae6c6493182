import Foundation

/// A dbmate folder: files matching `^(\d+).*\.sql$`, version the leading digits (stored by dbmate as written),
/// ordered by file name. Each file needs `-- migrate:up` and `-- migrate:down` (at the start of a line, up first,
/// nothing but comments before the up); `transaction:false` on a directive line runs that section outside a
/// transaction. Several up/down pairs in one file (newer dbmate) run one after another, as one Strata migration.
///
/// ```swift
/// let reading = try DbmateSource(directory: dir).read()
/// reading.migrations.first?.up.directives.noTransaction
/// ```
public struct DbmateSource: FormatReader {
    public static let format = MigrationFormat.dbmate
    public let directory: URL
    public init(directory: URL) { self.directory = directory }

    /// Whether `line` is a `-- migrate:up` (or down) directive as dbmate's `(?m)^--\s*migrate:up(\s*$|\s+\S+)` reads it;
    /// returns the options text after the directive.
    static func directive(_ line: Substring, _ word: String) -> String? {
        guard line.hasPrefix("--") else { return nil }
        let afterDashes = line.dropFirst(2).drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" || $0 == "\r" }
        guard afterDashes.hasPrefix("migrate:" + word) else { return nil }
        let rest = afterDashes.dropFirst(("migrate:" + word).count)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" || rest.first == "\u{0C}" || rest.first == "\r" else { return nil }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    /// dbmate's options: whitespace-separated `key:value` pairs; only `transaction:false` turns the transaction off.
    static func transaction(options: String) -> Bool {
        var values: [String: String] = [:]
        for pair in options.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let parts = pair.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return values["transaction"] != "false"
    }

    public func read() throws -> FormatReading {
        var problems: [SourceProblem] = []
        var migrations: [Migration] = []
        var seen: [MigrationVersion: String] = [:]
        var order: [(text: String, version: MigrationVersion, file: String)] = []
        for entry in try FormatFiles.list(directory) where !entry.isDirectory && entry.name.hasSuffix(".sql") {
            guard let digits = FormatFiles.leadingDigits(entry.name), let version = MigrationVersion(digits) else { continue }
            if let other = seen[version] {
                problems.append(SourceProblem(file: entry.name, message: "duplicate version \(digits): also used by \(other)"))
                continue
            }
            seen[version] = entry.name
            order.append((entry.name, version, entry.name))
            var name = String(entry.name.dropFirst(digits.count).dropLast(4))
            while name.hasPrefix("_") || name.hasPrefix("-") { name.removeFirst() }
            do {
                let (up, down) = try parse(try FormatFiles.read(directory, entry.name), file: entry.name)
                migrations.append(Migration(version: version, name: name, up: up, down: down, verify: nil, files: [entry.name],
                                            origin: MigrationOrigin(format: .dbmate, key: digits)))
            } catch {
                problems.append(error)
            }
        }
        problems += FormatFiles.textOrderProblems(order, tool: "dbmate")
        if !problems.isEmpty { throw SourceError(directory: location, problems: FormatFiles.sorted(problems)) }
        return FormatReading(format: .dbmate, migrations: migrations.sorted { $0.version < $1.version })
    }

    /// The up and down sections of one file (all of its up/down pairs, in order).
    func parse(_ text: String, file: String) throws(SourceProblem) -> (MigrationScript, MigrationScript) {
        let lines = FormatFiles.lines(text)
        struct Marker { var line: Int; var up: Bool; var transaction: Bool }
        var markers: [Marker] = []
        for (i, line) in lines.enumerated() {
            if let o = Self.directive(line, "up") { markers.append(Marker(line: i + 1, up: true, transaction: Self.transaction(options: o))) }
            else if let o = Self.directive(line, "down") { markers.append(Marker(line: i + 1, up: false, transaction: Self.transaction(options: o))) }
        }
        guard let firstUp = markers.first(where: \.up) else {
            throw SourceProblem(file: file, message: "no `-- migrate:up` line; dbmate requires each migration to define an up block with `-- migrate:up` and a down block with `-- migrate:down`")
        }
        for (i, line) in lines[0..<(firstUp.line - 1)].enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if !t.isEmpty && !t.hasPrefix("--") {
                throw SourceProblem(file: file, line: i + 1, column: 1, message: "SQL before `-- migrate:up`; dbmate does not allow statements before the up block")
            }
        }
        var up: [(Marker, Int)] = [], down: [(Marker, Int)] = []  // marker, last line of its block
        var index = markers.firstIndex { $0.line == firstUp.line } ?? 0
        while index < markers.count {
            let m = markers[index]
            let end = index + 1 < markers.count ? markers[index + 1].line - 1 : lines.count
            if m.up {
                guard index + 1 < markers.count, !markers[index + 1].up else {
                    throw SourceProblem(file: file, line: m.line, column: 1, message: "`-- migrate:up` without a `-- migrate:down` after it; dbmate requires a down block (it may be empty)")
                }
                up.append((m, end))
            } else {
                guard index > 0, markers[index - 1].up else {
                    throw SourceProblem(file: file, line: m.line, column: 1, message: markers[0..<index].contains(where: \.up)
                                        ? "second `-- migrate:down` for one `-- migrate:up`; dbmate requires every down block to follow an up block"
                                        : "`-- migrate:down` before `-- migrate:up`; dbmate requires the up block first")
                }
                down.append((m, end))
            }
            index += 1
        }
        func section(_ blocks: [(Marker, Int)]) throws(SourceProblem) -> MigrationScript {
            var statements: [SQLStatement] = []
            var texts: [String] = []
            for (m, end) in blocks {
                let body = m.line < end ? lines[m.line..<end].joined(separator: "\n") : ""
                texts.append(body)
                statements += try FormatFiles.split(body, startLine: m.line + 1, file: file)
            }
            return FormatFiles.script(file: file, text: texts.joined(separator: "\n"), statements: statements,
                                      toolSaysNoTransaction: blocks.contains { !$0.0.transaction })
        }
        return (try section(up), try section(down))
    }
}
