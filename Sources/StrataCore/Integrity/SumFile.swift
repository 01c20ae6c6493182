import Crypto
import Foundation

/// `strata.sum`: one line per migration file plus a chained hash of the whole directory.
///
/// Two branches that each add a migration both change the `total` line, so git reports a conflict
/// instead of silently merging; an edited file no longer matches its line.
///
/// ```swift
/// let sum = SumFile(entries: try await source.sumEntries())
/// try sum.text.write(to: url, atomically: true, encoding: .utf8)
/// let problems = SumFile.parse(existingText).compare(with: sum)
/// ```
public struct SumFile: Sendable, Hashable {
    public static let fileName = "strata.sum"
    public var entries: [SumEntry]
    /// SHA-256 chained over every entry in order: `h = sha256(h ‖ path ‖ 0 ‖ checksum ‖ \n)`.
    public var total: String

    public init(entries: [SumEntry]) {
        self.entries = entries
        var running = [UInt8](repeating: 0, count: 32)
        for e in entries {
            var hasher = SHA256()
            hasher.update(data: running)
            hasher.update(data: Array(e.path.utf8) + [0] + Array(e.checksum.utf8) + [10])
            running = Array(hasher.finalize())
        }
        total = Checksum.hexString(running)
    }

    public var text: String {
        var lines = ["# strata.sum: written by `strata hash`; checked by `strata validate` and `strata up`. Do not edit by hand.",
                     "total sha256:\(total)"]
        for e in entries { lines.append("\(e.path) sha256:\(e.checksum)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a `strata.sum` text. Throws a ``SourceProblem`` naming the line of a malformed entry.
    public static func parse(_ text: String, file: String = fileName) throws(SourceProblem) -> (total: String, entries: [SumEntry]) {
        var total: String?
        var entries: [SumEntry] = []
        for (i, raw) in SectionParser.splitLines(text).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " ") else {
                throw SourceProblem(file: file, line: i + 1, message: "malformed line; run `strata hash` to rewrite the file")
            }
            let path = String(line[..<space])
            let value = String(line[line.index(after: space)...])
            guard value.hasPrefix("sha256:"), value.utf8.count == 7 + 64,
                  value.utf8.dropFirst(7).allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
                throw SourceProblem(file: file, line: i + 1, message: "malformed checksum; run `strata hash` to rewrite the file")
            }
            let hex = String(value.dropFirst(7))
            if path == "total" { total = hex } else { entries.append(SumEntry(path: path, checksum: hex)) }
        }
        guard let total else { throw SourceProblem(file: file, message: "no `total` line; run `strata hash` to rewrite the file") }
        return (total, entries)
    }

    /// Every difference between a recorded sum file and the directory as it is now.
    public static func problems(recorded: (total: String, entries: [SumEntry]), actual: SumFile, file: String = fileName) -> [SourceProblem] {
        var problems: [SourceProblem] = []
        let recordedByPath = Dictionary(recorded.entries.map { ($0.path, $0.checksum) }, uniquingKeysWith: { a, _ in a })
        let actualByPath = Dictionary(actual.entries.map { ($0.path, $0.checksum) }, uniquingKeysWith: { a, _ in a })
        for e in actual.entries {
            guard let sum = recordedByPath[e.path] else {
                problems.append(SourceProblem(file: e.path, message: "not in \(file); run `strata hash` after adding a migration"))
                continue
            }
            if sum != e.checksum {
                problems.append(SourceProblem(file: e.path, message: "changed since \(file) was written (checksum \(e.checksum.prefix(12))…, recorded \(sum.prefix(12))…)"))
            }
        }
        for e in recorded.entries where actualByPath[e.path] == nil {
            problems.append(SourceProblem(file: e.path, message: "listed in \(file) but missing from the directory"))
        }
        if problems.isEmpty && recorded.total != actual.total {
            problems.append(SourceProblem(file: file, message: "total hash does not match the files; run `strata hash`"))
        }
        return problems
    }
}
