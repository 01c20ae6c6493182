import Foundation
import StrataCore
import StrataSafety

/// `pg_dump` of a scratch database as a baseline migration: the schema (and the rows of reference tables), without
/// Strata's own history tables, turned into SQL that Strata runs in one transaction.
///
/// ```swift
/// let sql = SchemaDump.baselineSQL(fromDump: dumpText)   // SET → SET LOCAL, no psql meta-commands
/// ```
public enum SchemaDump {
    /// `pg_dump` arguments: schema only, or the whole database with rows only for `referenceTables`
    /// (as INSERTs with column names, which Strata can run; COPY … FROM stdin it cannot).
    static func arguments(schemaOnly: Bool, exclude history: [QualifiedName], excludeData: [String]) -> [String] {
        var args = ["--no-password", "--no-owner", "--quote-all-identifiers"]
        args += schemaOnly ? ["--schema-only"] : ["--column-inserts", "--rows-per-insert=500"]
        for t in history { args.append("--exclude-table=" + pattern(t)) }
        if !schemaOnly { for t in excludeData { args.append("--exclude-table-data=" + t) } }
        return args
    }

    /// A `pg_dump` table pattern matching exactly `t` (quoted, so case and dots are literal).
    static func pattern(_ t: QualifiedName) -> String {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return (t.schema.map { q($0) + "." } ?? "") + q(t.name)
    }

    /// The dump as a baseline's up section: psql meta-commands (`\restrict`, `\connect`) dropped, session settings made
    /// local to the migration's transaction (`SET` → `SET LOCAL`, `set_config(…, false)` → `true`) so they do not leak
    /// into the migrations that run after it, `CREATE SCHEMA` made idempotent (Strata may have created its history schema).
    public static func baselineSQL(fromDump dump: String) -> String {
        var out: [String] = []
        for line in dump.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.hasPrefix("\\") { continue }
            var l = String(line)
            if l.hasPrefix("SET ") && !l.hasPrefix("SET LOCAL ") { l = "SET LOCAL " + l.dropFirst(4) }
            if l.hasPrefix("SELECT pg_catalog.set_config("), l.hasSuffix(", false);") { l = String(l.dropLast(", false);".count)) + ", true);" }
            if l.hasPrefix("CREATE SCHEMA ") && !l.hasPrefix("CREATE SCHEMA IF NOT EXISTS ") { l = "CREATE SCHEMA IF NOT EXISTS " + l.dropFirst("CREATE SCHEMA ".count) }
            if l.hasPrefix("-- Dumped from database version") || l.hasPrefix("-- Dumped by pg_dump version") { continue }
            // Strata's own statement and lock timeouts govern the baseline, not pg_dump's "no limit".
            if ["statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "transaction_timeout"].contains(where: { l.hasPrefix("SET LOCAL \($0) = ") }) { continue }
            // The stock comment on `public` needs its owner to set; a database created from template0 has it anyway.
            if l == "COMMENT ON SCHEMA \"public\" IS 'standard public schema';" || l == "COMMENT ON SCHEMA public IS 'standard public schema';" { continue }
            out.append(l)
        }
        while out.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { out.removeLast() }
        while out.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { out.removeFirst() }
        return out.joined(separator: "\n") + "\n"
    }

    /// A schema dump for comparing two databases: comments, blank lines, meta-commands and version lines dropped.
    public static func comparable(_ dump: String) -> [String] {
        dump.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init).filter { l in
            !l.isEmpty && !l.hasPrefix("--") && !l.hasPrefix("\\")
        }
    }
}
