import Foundation
import StrataCore

/// A migration tool whose tracking table `strata adopt` can take over.
///
/// ```swift
/// let tool = ForeignTool(rawValue: "golang-migrate")   // .golangMigrate
/// print(tool?.tableName ?? "?")                          // "schema_migrations"
/// ```
public enum ForeignTool: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case goose
    case golangMigrate = "golang-migrate"
    case dbmate
    case diesel
    case drizzle
    case flyway
    case sqitch
    case knex
    case alembic

    /// The name `--from` takes and messages use.
    public var description: String { rawValue }

    /// The tracking table's name (drizzle's lives in the `drizzle` schema on PostgreSQL, Sqitch's registry in `sqitch`).
    public var tableName: String {
        switch self {
        case .goose: "goose_db_version"
        case .golangMigrate, .dbmate: "schema_migrations"
        case .diesel: "__diesel_schema_migrations"
        case .drizzle: "__drizzle_migrations"
        case .flyway: "flyway_schema_history"
        case .sqitch: "changes"
        case .knex: "knex_migrations"
        case .alembic: "alembic_version"
        }
    }

    /// The folder layout that tool writes, when Strata reads it (sets ``Migration/origin``).
    public var format: MigrationFormat? {
        switch self {
        case .goose: .goose
        case .golangMigrate: .golangMigrate
        case .dbmate: .dbmate
        case .diesel: .diesel
        case .drizzle: .drizzle
        case .flyway: .flyway
        case .sqitch: .sqitch
        case .knex, .alembic: nil
        }
    }

    /// What one row of the table holds, for messages ("version 20260101", "file 2026_x.js").
    public var keyNoun: String {
        switch self {
        case .drizzle: "created_at"
        case .knex: "name"
        case .alembic: "revision"
        case .sqitch: "change"
        default: "version"
        }
    }
}

/// The `--from` value is not a tool `strata adopt` knows.
public func parseForeignTool(_ text: String) -> ForeignTool? {
    let t = text.lowercased()
    if let tool = ForeignTool(rawValue: t) { return tool }
    switch t {
    case "migrate", "golang_migrate", "golangmigrate": return .golangMigrate
    case "drizzle-kit", "drizzle-orm": return .drizzle
    default: return nil
    }
}
