import Foundation

/// The layout of a migrations folder: Strata's own, or another tool's that Strata reads as it is.
///
/// ```swift
/// let format = MigrationFormat(rawValue: "goose")   // .goose
/// print(format?.displayName ?? "?")                  // "goose"
/// ```
public enum MigrationFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case strata
    case diesel
    case golangMigrate = "golang-migrate"
    case goose
    case dbmate
    case flyway
    case drizzle
    case sqitch

    /// The name used by `--format` and in messages.
    public var displayName: String { rawValue }
}

/// Where a migration came from when it was read from another tool's layout, and the key that tool records
/// for it in its own tracking table (used by `strata adopt`).
///
/// ```swift
/// let origin = MigrationOrigin(format: .goose, key: "20260101120000")
/// ```
public struct MigrationOrigin: Sendable, Hashable, Codable {
    /// The layout the migration was read from.
    public var format: MigrationFormat
    /// What the old tool stores for this migration: the version text for goose, golang-migrate, dbmate,
    /// diesel and Flyway; the journal entry's `when` (milliseconds) for drizzle; the change name for Sqitch.
    public var key: String
    public init(format: MigrationFormat, key: String) {
        self.format = format
        self.key = key
    }
}
