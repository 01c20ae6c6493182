import Foundation

/// Where migrations come from.
///
/// ```swift
/// let source: any MigrationSource = DirectorySource(directory: URL(fileURLWithPath: "migrations"))
/// let all = try await source.migrations()
/// ```
public protocol MigrationSource: Sendable {
    /// A short description for messages (the directory path, for a directory).
    var location: String { get }
    /// Every migration, ordered by version. Throws ``SourceError`` listing every problem found.
    func migrations() async throws -> [Migration]
    /// The `strata.sum` lines of already-loaded migrations: each file's relative path and normalised content
    /// checksum, in version order. Reads the files again, but does not parse them again.
    func sumEntries(for migrations: [Migration]) async throws -> [SumEntry]
}

extension MigrationSource {
    /// The `strata.sum` lines of every migration.
    public func sumEntries() async throws -> [SumEntry] {
        try await sumEntries(for: migrations())
    }
}

/// A file's line in `strata.sum`.
public struct SumEntry: Sendable, Hashable, Codable {
    public var path: String
    public var checksum: String
    public init(path: String, checksum: String) {
        self.path = path
        self.checksum = checksum
    }
}

/// Migrations held in memory, for tests and apps that embed their SQL.
///
/// ```swift
/// let source = try InMemorySource(files: ["0001_init.sql": "-- strata:up\nCREATE TABLE t (id int);"])
/// ```
public struct InMemorySource: MigrationSource {
    public let files: [String: String]
    public var location: String { "(in memory)" }
    public init(files: [String: String]) { self.files = files }

    public func migrations() async throws -> [Migration] {
        try MigrationAssembler.assemble(entries: files.keys.map { .file($0) }, directory: location,
                                        parse: MigrationAssembler.parser { path in files[path] ?? "" })
    }
    public func sumEntries(for migrations: [Migration]) async throws -> [SumEntry] {
        migrations.flatMap(\.files).map { SumEntry(path: $0, checksum: Checksum.of(files[$0] ?? "")) }
    }
}
