import Foundation
import StrataCore

/// One check of post-migration validation and its result.
public struct ValidationCheck: Sendable, Codable, Hashable {
    /// `required_table`, `foreign_keys`, `query` or `verify`.
    public var kind: String
    /// What was checked: a table, a constraint, a query, a migration.
    public var subject: String
    public var ok: Bool
    public var detail: String?
    public init(kind: String, subject: String, ok: Bool, detail: String? = nil) {
        self.kind = kind
        self.subject = subject
        self.ok = ok
        self.detail = detail
    }
}

/// The outcome of a validation pass.
public struct ValidationResult: Sendable, Codable, Hashable {
    public var checks: [ValidationCheck]
    public var durationMs: Int64
    public var ok: Bool { checks.allSatisfy(\.ok) }
    public var failures: [ValidationCheck] { checks.filter { !$0.ok } }

    /// One line per failed check, for error messages.
    public var failureSummary: String {
        failures.map { "  \($0.kind) \($0.subject): \($0.detail ?? "failed")" }.joined(separator: "\n")
    }
}

/// Post-migration validation: required tables exist, foreign keys hold, user queries succeed, verify sections pass.
///
/// Nothing it runs can change the database: user queries and verify sections run inside a transaction that is rolled back.
///
/// ```swift
/// let validator = SchemaValidator(requiredTables: ["users", "orders"], queries: ["SELECT count(*) FROM users"])
/// let result = try await driver.withSession { try await validator.validate(on: $0, dialect: driver.dialect, verify: []) }
/// print(result.ok ? "valid" : result.failureSummary)
/// ```
public struct SchemaValidator: Sendable {
    public var requiredTables: [String]
    public var queries: [String]

    public init(requiredTables: [String] = [], queries: [String] = []) {
        self.requiredTables = requiredTables
        self.queries = queries
    }

    public func validate(on session: any DatabaseSession, dialect: any SQLDialect, verify migrations: [Migration]) async throws -> ValidationResult {
        let clock = ContinuousClock()
        let start = clock.now
        let postgres = dialect.name == "postgresql"
        var checks: [ValidationCheck] = []
        // Required tables: one check listing every missing table.
        if !requiredTables.isEmpty {
            var missing: [String] = []
            for table in requiredTables where try await !tableExists(table, on: session, postgres: postgres, dialect: dialect) {
                missing.append(table)
            }
            checks.append(ValidationCheck(kind: "required_tables", subject: requiredTables.joined(separator: ", "), ok: missing.isEmpty,
                                          detail: missing.isEmpty ? nil : "missing: \(missing.joined(separator: ", "))"))
        }
        checks += try await foreignKeys(on: session, postgres: postgres)
        for q in queries {
            checks.append(await runRolledBack(kind: "query", subject: q, statements: [q], session: session, requireTrue: true, postgres: postgres))
        }
        for m in migrations {
            guard let verify = m.verify, !verify.statements.isEmpty else { continue }
            checks.append(await runRolledBack(kind: "verify", subject: "\(m.version.digits) \(m.name)",
                                              statements: verify.statements.map(\.sql), session: session, requireTrue: false, postgres: postgres))
        }
        let d = clock.now - start
        return ValidationResult(checks: checks, durationMs: Int64(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000))
    }

    private func tableExists(_ table: String, on session: any DatabaseSession, postgres: Bool, dialect: any SQLDialect) async throws -> Bool {
        if postgres {
            let v = try await session.query("SELECT pg_catalog.to_regclass(\(dialect.literal(table))) IS NOT NULL").first?[0]
            return v == "true" || v == "t"
        }
        return try await !session.query("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = \(dialect.literal(table))").isEmpty
    }

    /// PostgreSQL: every foreign key must be validated; a `NOT VALID` one is checked for orphan rows.
    /// SQLite: `PRAGMA foreign_key_check` must find no violation.
    private func foreignKeys(on session: any DatabaseSession, postgres: Bool) async throws -> [ValidationCheck] {
        if !postgres {
            let rows = try await session.query("PRAGMA foreign_key_check")
            let tables = Set(rows.compactMap { $0[0] }).sorted()
            return [ValidationCheck(kind: "foreign_keys", subject: "all tables", ok: rows.isEmpty,
                                    detail: rows.isEmpty ? nil : "\(rows.count) row(s) violate foreign keys in \(tables.joined(separator: ", "))")]
        }
        let total = try await session.query("SELECT count(*) FROM pg_catalog.pg_constraint WHERE contype = 'f'").first?[0] ?? "0"
        let unvalidated = try await session.query("""
            SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
                   (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
                   (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum)
            FROM pg_catalog.pg_constraint c WHERE c.contype = 'f' AND NOT c.convalidated ORDER BY 2, 1
            """)
        var checks: [ValidationCheck] = []
        for r in unvalidated {
            guard let name = r[0], let child = r[1], let parent = r[2], let ck = r[3], let pk = r[4] else { continue }
            let childCols = ck.split(separator: ","), parentCols = pk.split(separator: ",")
            let notNull = childCols.map { "c.\($0) IS NOT NULL" }.joined(separator: " AND ")
            let join = zip(childCols, parentCols).map { "p.\($1) = c.\($0)" }.joined(separator: " AND ")
            let sql = "SELECT count(*) FROM \(child) c WHERE \(notNull) AND NOT EXISTS (SELECT 1 FROM \(parent) p WHERE \(join))"
            let orphans = try await session.query(sql).first?[0] ?? "0"
            checks.append(ValidationCheck(kind: "foreign_keys", subject: "\(name) on \(child) (NOT VALID)", ok: orphans == "0",
                                          detail: orphans == "0" ? "no orphan rows" : "\(orphans) orphan row(s) in \(child) with no match in \(parent); find them with: \(sql.replacingOccurrences(of: "count(*)", with: "c.*"))"))
        }
        checks.insert(ValidationCheck(kind: "foreign_keys", subject: "\(total) constraint(s)", ok: true,
                                      detail: unvalidated.isEmpty ? "all validated" : "\(unvalidated.count) NOT VALID, checked for orphans below"), at: 0)
        return checks
    }

    /// Runs statements in a transaction that is always rolled back. With `requireTrue`, a first value of false fails the check:
    /// `f`/`false` on PostgreSQL, `0` on SQLite (which has no boolean type: `SELECT 1 = 0` gives 0).
    private func runRolledBack(kind: String, subject: String, statements: [String], session: any DatabaseSession, requireTrue: Bool,
                               postgres: Bool) async -> ValidationCheck {
        do {
            try await session.execute("BEGIN")
            var last: [Row] = []
            for s in statements {
                if requireTrue { last = try await session.query(s) } else { try await session.execute(s) }
            }
            try await session.execute("ROLLBACK")
            if requireTrue, let v = last.first?[0], v == "f" || v == "false" || (!postgres && v == "0") {
                return ValidationCheck(kind: kind, subject: subject, ok: false, detail: "returned false")
            }
            return ValidationCheck(kind: kind, subject: subject, ok: true)
        } catch {
            try? await session.execute("ROLLBACK")
            return ValidationCheck(kind: kind, subject: subject, ok: false, detail: "\(error)".replacingOccurrences(of: "\n", with: " "))
        }
    }
}
