import Foundation
import StrataKit

/// Everything a failed command must leave as it was in a PostgreSQL database: its relations (tables,
/// indexes, sequences, views) with their columns, its functions, and the rows of every table, Strata's
/// history tables included. Compare two with `==`.
///
/// ```swift
/// let before = try await db.snapshot()
/// // run a command that must change nothing …
/// #expect(try await db.snapshot() == before)
/// ```
public struct DatabaseSnapshot: Sendable, Equatable, CustomStringConvertible {
    /// `schema.name kind` for every relation outside the system schemas.
    public var relations: [String]
    /// `schema.table.column type` for every column of those relations.
    public var columns: [String]
    /// `schema.name(arguments)` for every function and procedure outside the system schemas.
    public var routines: [String]
    /// `schema.table` → md5 of its rows (sorted), for every table.
    public var rows: [String: String]

    /// Whether Strata's history tables exist.
    public var hasHistoryTables: Bool { relations.contains { $0.hasPrefix("public.strata_") } }

    public var description: String {
        "relations: \(relations)\ncolumns: \(columns.count)\nroutines: \(routines)\nrows: \(rows.sorted { $0.key < $1.key })"
    }
}

extension CLITestDatabase {
    static let userSchemas = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'"

    /// The current ``DatabaseSnapshot`` (read as the server's superuser).
    public func snapshot() async throws -> DatabaseSnapshot {
        try await withSession { s in
            let relations = try await s.query("""
                SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE \(Self.userSchemas) ORDER BY 1
                """).compactMap { $0[0] }
            let columns = try await s.query("""
                SELECT n.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE a.attnum > 0 AND NOT a.attisdropped AND \(Self.userSchemas) ORDER BY 1
                """).compactMap { $0[0] }
            let routines = try await s.query("""
                SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE \(Self.userSchemas) ORDER BY 1
                """).compactMap { $0[0] }
            var rows: [String: String] = [:]
            let tables = try await s.query("""
                SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p') AND \(Self.userSchemas) ORDER BY 1
                """).compactMap { $0[0] }
            for t in tables {
                rows[t] = try await s.query("SELECT coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), 'empty') FROM \(t) x").first?[0] ?? "?"
            }
            return DatabaseSnapshot(relations: relations, columns: columns, routines: routines, rows: rows)
        }
    }
}
