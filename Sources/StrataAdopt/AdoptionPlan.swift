import Foundation
import StrataCore

/// What `strata adopt` records: the migrations the old tool applied, matched to the files, and what stays pending.
public struct AdoptionPlan: Sendable {
    /// One migration to record, with the key the old tool stores for it.
    public struct Entry: Sendable, Hashable {
        public var migration: Migration
        public var key: String
    }
    public var source: ForeignTable
    /// Migrations the old tool applied, in version order: recorded as applied without running.
    public var toRecord: [Entry]
    /// Migrations of the folder the old tool has not applied: `strata up` runs these.
    public var pending: [Migration]
    /// Strata's history already holds exactly ``toRecord`` (an earlier adopt): nothing is written.
    public var alreadyRecorded: Bool
    /// Things worth reading that do not stop the take-over (Knex names that differ, gaps needing --allow-out-of-order).
    public var warnings: [String]
}

/// `strata adopt` refuses; nothing was recorded.
public struct AdoptError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// No tracking table of a known tool (or of the `--from` tool) in the database.
        case noForeignHistory = "no_foreign_history"
        /// Several tools' tables: `--from` must choose.
        case ambiguous
        /// golang-migrate's dirty flag is set.
        case dirty
        /// The old table names migrations the folder lacks.
        case missingFiles = "missing_files"
        /// The old table's entries cannot be tied to files (drizzle without its journal, Alembic branches or unmatched revisions).
        case unmatchable
        /// Strata already has a history that is not exactly what adopt would record.
        case strataHistory = "strata_history"
    }
    public var kind: Kind
    public var description: String
    /// For ``Kind/missingFiles``: the old tool's keys with no file.
    public var missing: [String]
    public init(_ kind: Kind, _ description: String, missing: [String] = []) {
        self.kind = kind
        self.description = description
        self.missing = missing
    }
}

/// Ties an old tool's history to the migrations of the folder (pure; no database).
public enum AdoptionPlanner {
    /// The key the old tool stores for `m`: the reader's ``MigrationOrigin`` when it read the tool's own layout,
    /// else the version (a folder in Strata's layout with the same version numbers). Nil when none can exist (drizzle).
    public static func key(of m: Migration, for tool: ForeignTool) -> String? {
        if let origin = m.origin, origin.format == tool.format { return origin.key }
        return tool == .drizzle ? nil : m.version.digits
    }

    /// Whether two keys name the same migration: numerically when both are versions (`0001` = `1`, diesel's
    /// `2026-01-01-120000` = `20260101120000`), else as text.
    static func same(_ a: String, _ b: String) -> Bool {
        if let x = MigrationVersion(a), let y = MigrationVersion(b) { return x == y }
        return a == b
    }

    static func ordered(_ a: String, atOrBelow b: String) -> Bool {
        if let x = Int64(a), let y = Int64(b) { return x <= y }
        if let x = MigrationVersion(a), let y = MigrationVersion(b) { return x <= y }
        return a <= b
    }

    public static func plan(history: ForeignHistory, migrations: [Migration], strataApplied: [AppliedMigration]) throws(AdoptError) -> AdoptionPlan {
        let tool = history.source.tool
        let table = history.source.table.description
        let sorted = migrations.sorted { $0.version < $1.version }
        if history.dirty, tool == .flyway {
            throw AdoptError(.dirty, "\(table) records failed migration\(history.allKeys.count == 1 ? "" : "s") \(history.allKeys.joined(separator: ", ")) (success = false): "
                             + "Flyway stopped part-way. Fix the database and remove the failed rows with `flyway repair`, then run `strata adopt` again. Nothing was recorded.")
        }
        if history.dirty {
            throw AdoptError(.dirty, "\(table) is dirty (golang-migrate's dirty flag is set at version \(history.allKeys.first ?? "?")): a migration failed part-way. "
                             + "Fix the database and clear the flag with `migrate force V` (or fix the row by hand), then run `strata adopt` again. Nothing was recorded.")
        }
        var recorded: [AdoptionPlan.Entry] = []
        var missing: [String] = []
        var warnings: [String] = []
        var taken = Set<MigrationVersion>()
        /// The first migration not yet matched whose key is `k` (a Sqitch change reworked later has its name twice).
        func migration(forKey k: String) -> Migration? {
            let m = sorted.first { m in !m.isRepeatable && !taken.contains(m.version) && (key(of: m, for: tool).map { same($0, k) } ?? false) }
            if let m { taken.insert(m.version) }
            return m
        }
        switch (tool, history.applied) {
        case (_, .nothing):
            break
        case (.knex, .keys(let names)):
            for name in names {
                guard let (version, rest) = knexStem(name), let m = sorted.first(where: { $0.version == version }) else { missing.append(name); continue }
                if normalized(rest) != normalized(m.name) {
                    warnings.append("knex migration \(name) was matched to \(m.version.digits) \(m.name) by its version; the names differ")
                }
                recorded.append(.init(migration: m, key: name))
            }
        case (.alembic, .keys(let heads)):
            throw AdoptError(.unmatchable, "\(table) has \(heads.count) heads (\(heads.joined(separator: ", "))): Alembic branches cannot be read as one ordered history. "
                             + "Merge them (`alembic merge`) and upgrade, then run `strata adopt` again. Nothing was recorded.")
        case (.alembic, .through(let revision)):
            let matches = sorted.filter { alembicMatches($0, revision: revision) }
            if matches.count > 1 {
                throw AdoptError(.unmatchable, "Alembic revision \(revision) matches several migrations: "
                                 + matches.map { "\($0.version.digits) \($0.name)" }.joined(separator: ", ") + ". Nothing was recorded.")
            }
            guard let head = matches.first else {
                throw AdoptError(.missingFiles, "\(table) is at revision \(revision), and no migration in the folder is named after it "
                                 + "(name the converted file `<version>_\(revision)_<name>.sql`). Nothing was recorded.", missing: [revision])
            }
            recorded = sorted.filter { $0.version <= head.version }.map { .init(migration: $0, key: $0.version == head.version ? revision : "") }
        case (.drizzle, .through(let newest)):
            let keyed = sorted.compactMap { m in key(of: m, for: tool).map { (m, $0) } }
            guard !keyed.isEmpty || sorted.isEmpty else {
                throw AdoptError(.unmatchable, "drizzle records migrations by their journal timestamp (`when` in meta/_journal.json); "
                                 + "read the folder in drizzle's layout (--format drizzle) to adopt its history. Nothing was recorded.")
            }
            for k in history.allKeys where !keyed.contains(where: { same($0.1, k) }) && !missing.contains(k) { missing.append(k) }
            recorded = keyed.filter { ordered($0.1, atOrBelow: newest) }.map { .init(migration: $0.0, key: $0.1) }
        case (_, .through(let top)):
            // golang-migrate: its one row is the newest applied version; everything at or below it is applied.
            guard migration(forKey: top) != nil else { missing.append(top); break }
            recorded = sorted.compactMap { m in
                guard let k = key(of: m, for: tool), ordered(k, atOrBelow: top) else { return nil }
                return .init(migration: m, key: k)
            }
        case (_, .keys(let keys)):
            for k in keys {
                guard let m = migration(forKey: k) else { missing.append(k); continue }
                recorded.append(.init(migration: history.baselineKeys.contains(k) ? m.asBaseline() : m, key: k))
            }
        }
        if tool == .flyway {
            if let b = history.baselineThrough, let top = MigrationVersion(b) {
                // `flyway baseline`: versions up to it count as applied; the baseline version itself needs no file.
                recorded += sorted.filter { !$0.isRepeatable && $0.version <= top }.map { .init(migration: $0, key: "") }
            }
            for (description, checksum) in history.repeatables.sorted(by: { $0.key < $1.key }) {
                guard let m = sorted.first(where: { $0.isRepeatable && key(of: $0, for: tool) == description }) else {
                    missing.append("R__" + description.replacingOccurrences(of: " ", with: "_") + ".sql")
                    continue
                }
                if checksum == String(FlywayChecksum.of(m.up.text)) {
                    recorded.append(.init(migration: m, key: description))
                } else {
                    warnings.append("repeatable \(m.files.first ?? description) changed since Flyway last applied it; `strata up` applies it again, as `flyway migrate` would")
                }
            }
        }
        if !missing.isEmpty {
            let noun = tool.keyNoun
            throw AdoptError(.missingFiles, "\(table) names \(missing.count) migration\(missing.count == 1 ? "" : "s") the folder lacks:\n"
                             + missing.map { "  \(noun) \($0)" }.joined(separator: "\n")
                             + "\nRestore those files (or point --dir at the right folder), then run `strata adopt` again. Nothing was recorded.", missing: missing)
        }
        var seen = Set<MigrationVersion>()
        recorded = recorded.filter { seen.insert($0.migration.version).inserted }.sorted { $0.migration.version < $1.migration.version }
        // A version recorded in its baseline form stands for every earlier one: those are covered, not pending.
        let coveredThrough = recorded.filter { $0.migration.isPureBaseline }
            .map(\.migration.version).max()
        let pending = sorted.filter { m in !seen.contains(m.version) && !(coveredThrough.map { !m.isRepeatable && m.version < $0 } ?? false) }
        if let newest = recorded.last(where: { !$0.migration.isRepeatable })?.migration.version {
            let gaps = pending.filter { !$0.isRepeatable && $0.version < newest }
            if !gaps.isEmpty {
                warnings.append("\(tool) has not applied " + gaps.map { "\($0.version.digits) \($0.name)" }.joined(separator: ", ")
                                + " although later migrations are applied; `strata up` needs --allow-out-of-order to run \(gaps.count == 1 ? "it" : "them")")
            }
        }
        let already = try checkStrataHistory(strataApplied, recorded: recorded, tool: tool)
        return AdoptionPlan(source: history.source, toRecord: recorded, pending: pending, alreadyRecorded: already, warnings: warnings)
    }

    /// Adopt writes into an empty Strata history only; a history that is exactly the adopted set (an earlier adopt) is accepted as done.
    static func checkStrataHistory(_ applied: [AppliedMigration], recorded: [AdoptionPlan.Entry], tool: ForeignTool) throws(AdoptError) -> Bool {
        guard !applied.isEmpty else { return false }
        if let d = applied.first(where: { $0.state == .dirty }) {
            throw AdoptError(.strataHistory, "Strata's history has dirty migration \(d.version.digits) \(d.name); resolve it with `strata repair` first. Nothing was recorded.")
        }
        let have = Set(applied.map(\.version)), want = Set(recorded.map(\.migration.version))
        if have == want { return true }
        let onlyStrata = applied.filter { !want.contains($0.version) }.map { "\($0.version.digits) \($0.name)" }
        let onlyTool = recorded.filter { !have.contains($0.migration.version) }.map { "\($0.migration.version.digits) \($0.migration.name)" }
        var s = "Strata already has a history (\(applied.count) migration\(applied.count == 1 ? "" : "s")) that differs from what \(tool) applied; adopt only takes over into an empty history."
        if !onlyStrata.isEmpty { s += "\n  recorded by Strata, not applied by \(tool): " + onlyStrata.joined(separator: ", ") }
        if !onlyTool.isEmpty { s += "\n  applied by \(tool), not recorded by Strata: " + onlyTool.joined(separator: ", ") }
        s += "\nUse `strata mark-applied V` / `strata repair V --as pending` to fix single rows. Nothing was recorded."
        throw AdoptError(.strataHistory, s)
    }

    /// A Knex file name (`20260101120000_create_users.js`) as version and name, extension dropped.
    static func knexStem(_ name: String) -> (MigrationVersion, String)? {
        var stem = (name as NSString).lastPathComponent
        let extensions: Set<String> = ["js", "ts", "cjs", "mjs", "cts", "mts", "coffee", "sql"]
        if let dot = stem.lastIndex(of: "."), extensions.contains(stem[stem.index(after: dot)...].lowercased()) {
            stem = String(stem[..<dot])
        }
        guard let (v, rest) = MigrationFileName.splitVersion(stem) else { return nil }
        return (v, rest)
    }

    static func normalized(_ s: String) -> String { s.lowercased().filter { $0.isLetter || $0.isNumber } }

    /// An Alembic revision names a migration when it is the version (numeric revision ids) or a word of its name
    /// (`0007_ae1027a6acf_add_users` for revision `ae1027a6acf`).
    static func alembicMatches(_ m: Migration, revision: String) -> Bool {
        if let v = MigrationVersion(revision), v == m.version { return true }
        let words = m.name.lowercased().split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == " " || $0 == "." }).map(String.init)
        return words.contains(revision.lowercased())
    }
}
