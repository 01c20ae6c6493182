// Migration files for the SafeMigration tests: a baseline (applied before the safe run) and five pending
// migrations, written in SQL that SQLite and PostgreSQL both accept. Variants replace one file.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety

enum SafeFixtures {
    /// Applied before the safe run: the starting version 0001 with data.
    static let baseline: [String: String] = [
        "0001_items.sql": """
            -- strata:up
            CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL);
            INSERT INTO items (id, name, qty) VALUES (1, 'apple', 3), (2, 'pear', 0), (3, 'plum', 12);
            -- strata:down
            DROP TABLE items;
            """,
    ]

    /// Five pending migrations (0002–0006), all good; the first two change data and schema.
    static let pending: [String: String] = [
        "0002_bump_qty.sql": """
            -- strata:up
            UPDATE items SET qty = qty + 10;
            -- strata:down
            UPDATE items SET qty = qty - 10;
            -- strata:verify
            SELECT count(*) FROM items WHERE qty >= 10;
            """,
        "0003_notes.sql": """
            -- strata:up
            CREATE TABLE notes (id integer PRIMARY KEY, item_id integer REFERENCES items (id), body text);
            INSERT INTO notes (id, item_id, body) VALUES (1, 1, 'crisp'), (2, 3, 'ripe');
            -- strata:down
            DROP TABLE notes;
            """,
        "0004_tags.sql": """
            -- strata:up
            CREATE TABLE tags (id integer PRIMARY KEY, label text);
            -- strata:down
            DROP TABLE tags;
            """,
        "0005_more.sql": """
            -- strata:up
            CREATE TABLE five (id integer);
            -- strata:down
            DROP TABLE five;
            """,
        "0006_last.sql": """
            -- strata:up
            CREATE TABLE six (id integer);
            -- strata:down
            DROP TABLE six;
            """,
    ]

    /// A third pending migration whose second statement fails.
    static let failingTags = """
        -- strata:up
        CREATE TABLE tags (id integer PRIMARY KEY, label text);
        INSERT INTO no_such_table VALUES (1);
        -- strata:down
        DROP TABLE tags;
        """

    /// The pending migrations with `name` replaced by `text` (nil removes it).
    static func pending(replacing name: String, with text: String?) -> [String: String] {
        var files = pending
        files[name] = text
        return files
    }

    /// Every file of a run: baseline plus `pending`.
    static func all(_ pending: [String: String]) -> [String: String] {
        baseline.merging(pending) { a, _ in a }
    }
}

/// A SQLite project for a safe run: `strata.toml` with a production environment on `app.sqlite`, the
/// baseline applied, and `extra` lines added to the top of the file.
struct SQLiteSafeProject {
    let dir: SafetyTempDir
    let config: StrataConfig
    var db: String { dir.file("app.sqlite") }
    var target: DatabaseTarget { .sqlite(path: db) }

    static func make(_ label: String, extra: String = "") async throws -> SQLiteSafeProject {
        let dir = try SafetyTempDir(label)
        try dir.write("strata.toml", """
            \(extra)
            [environments.production]
            database = "sqlite:app.sqlite"
            """)
        let config = try resolveConfig(in: dir, env: "production")
        try await plainUp(config, SafeFixtures.baseline)
        return SQLiteSafeProject(dir: dir, config: config)
    }

    /// A safe up of the baseline plus `pending`.
    func up(_ pending: [String: String], flags: SafetyFlags = SafetyFlags(), timeout: Duration? = nil) async throws -> SafetyReport {
        try await safeUp(config, SafeFixtures.all(pending), flags: flags, timeout: timeout)
    }

    /// The database as a snapshot; `strata_events` rows are left out (every run adds some).
    func snapshot() async throws -> SQLiteSnapshot { try await SQLiteSnapshot.of(db, ignoringData: ["strata_events"]) }

    func versions() async throws -> [String] {
        try await rows(target, "SELECT version FROM strata_migrations ORDER BY version").map { $0[0] }
    }

    func events() async throws -> [[String]] {
        try await rows(target, "SELECT version, direction, outcome FROM strata_events ORDER BY id")
    }
}
