import Foundation

/// Statements PostgreSQL refuses inside a transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`…).
/// A section holding one runs outside a transaction, statement by statement, whatever its format says.
///
/// ```swift
/// NonTransactionalStatement.reason("CREATE UNIQUE INDEX CONCURRENTLY i ON t (c)")  // "CREATE INDEX CONCURRENTLY"
/// NonTransactionalStatement.reason("CREATE INDEX i ON t (c)")                      // nil
/// ```
public enum NonTransactionalStatement {
    /// What makes `sql` impossible inside a transaction, or nil when it can run in one.
    public static func reason(_ sql: String) -> String? {
        // Fast path (this runs on every statement): only these first letters (or a leading comment) can matter.
        guard let c = sql.utf8.first, [UInt8(ascii: "c"), UInt8(ascii: "d"), UInt8(ascii: "r"), UInt8(ascii: "v"), UInt8(ascii: "a"),
                                       UInt8(ascii: "-"), UInt8(ascii: "/")].contains(c | 0x20) else { return nil }
        // The first four words decide for CREATE and DROP, the common statements; the rest need more.
        var w = words(sql, limit: 4)
        guard let first = w.first else { return nil }
        if !["CREATE", "DROP"].contains(first) { w = words(sql) }
        func at(_ i: Int) -> String { i < w.count ? w[i] : "" }
        switch first {
        case "CREATE":
            var i = 1
            if at(i) == "UNIQUE" { i += 1 }
            if at(i) == "INDEX" && at(i + 1) == "CONCURRENTLY" { return "CREATE INDEX CONCURRENTLY" }
            if ["DATABASE", "TABLESPACE", "SUBSCRIPTION"].contains(at(1)) { return "CREATE \(at(1))" }
        case "DROP":
            if at(1) == "INDEX" && at(2) == "CONCURRENTLY" { return "DROP INDEX CONCURRENTLY" }
            if ["DATABASE", "TABLESPACE", "SUBSCRIPTION"].contains(at(1)) { return "DROP \(at(1))" }
        case "REINDEX":
            if let kind = w.dropFirst().first(where: { ["INDEX", "TABLE", "SCHEMA", "DATABASE", "SYSTEM"].contains($0) }) {
                if kind == "DATABASE" || kind == "SYSTEM" { return "REINDEX \(kind)" }
                if w.prefix(8).contains("CONCURRENTLY") { return "REINDEX CONCURRENTLY" }
            }
        case "VACUUM":
            return "VACUUM"
        case "CLUSTER":
            if w.count == 1 || (w.count == 2 && w[1] == "VERBOSE") { return "CLUSTER without a table" }
        case "ALTER":
            if at(1) == "SYSTEM" { return "ALTER SYSTEM" }
            if at(1) == "TABLE", let d = w.firstIndex(of: "DETACH"), at(d + 1) == "PARTITION", w[(d + 2)...].contains("CONCURRENTLY") {
                return "ALTER TABLE … DETACH PARTITION … CONCURRENTLY"
            }
            if at(1) == "DATABASE", w.contains("TABLESPACE"), w.contains("SET") { return "ALTER DATABASE … SET TABLESPACE" }
        default:
            break
        }
        return nil
    }

    /// The bare words of `sql` in upper case, skipping comments, quoted strings and identifiers (at most 64).
    static func words(_ sql: String, limit: Int = 64) -> [String] {
        let b = Array(sql.utf8)
        var out: [String] = []
        var i = 0
        func isWordStart(_ c: UInt8) -> Bool { (c | 0x20) >= 97 && (c | 0x20) <= 122 || c == 95 }
        func isWord(_ c: UInt8) -> Bool { isWordStart(c) || (c >= 48 && c <= 57) || c == 36 }
        while i < b.count, out.count < limit {
            let c = b[i]
            if let end = TextScan.sqlCommentEnd(b, at: i) {  // -- comment, or /* comment */, nested
                i = end
            } else if c == 39 || c == 34 {  // 'string' or "identifier"
                i += 1
                while i < b.count {
                    if b[i] == c { if i + 1 < b.count, b[i + 1] == c { i += 2; continue }; break }
                    i += 1
                }
                i += 1
                if c == 34 { out.append("\"") }
            } else if c == 36 {  // a dollar-quoted body: nothing after it matters here
                break
            } else if isWordStart(c) {
                let start = i
                while i < b.count, isWord(b[i]) { i += 1 }
                out.append(String(decoding: b[start..<i], as: UTF8.self).uppercased())
            } else {
                i += 1
            }
        }
        return out
    }
}
