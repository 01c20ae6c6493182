import Foundation
import Synchronization

extension MigrationFormat {
    /// Reads a `--format` / `format =` value: a format name (any case; `drizzle-kit` and `migrate` are accepted too),
    /// or `auto` (nil: detect). Throws ``ConfigError`` naming `origin` for anything else.
    public static func option(_ text: String, origin: String) throws(ConfigError) -> MigrationFormat? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "auto" || t.isEmpty { return nil }
        let aliases: [String: MigrationFormat] = ["drizzle-kit": .drizzle, "migrate": .golangMigrate, "golang_migrate": .golangMigrate]
        guard let format = MigrationFormat(rawValue: t) ?? aliases[t] else {
            throw ConfigError("\(origin) \(text): unknown migrations format; use one of auto, \(allCases.map(\.displayName).joined(separator: ", "))")
        }
        return format
    }
}

/// Builds the source for a migrations folder: the layout named by the user, or the one ``FormatDetector`` finds.
/// The CLI and ``Strata`` use this instead of constructing ``DirectorySource`` directly.
///
/// ```swift
/// let source = MigrationSources.directory(URL(fileURLWithPath: "migrations"), format: nil)
/// let reading = try await source.read()
/// print(reading.format, reading.migrations.count, reading.warnings)
/// ```
public enum MigrationSources {
    public static func directory(_ directory: URL, format: MigrationFormat? = nil,
                                 variables: [String: String] = ProcessInfo.processInfo.environment) -> LayoutSource {
        LayoutSource(directory: directory, requested: format, variables: variables)
    }

    /// The reader for one layout (Strata's own is ``DirectorySource``).
    public static func reader(for format: MigrationFormat, directory: URL,
                              variables: [String: String] = ProcessInfo.processInfo.environment) -> any MigrationSource {
        switch format {
        case .strata: return DirectorySource(directory: directory)
        case .goose: return GooseSource(directory: directory, variables: variables)
        case .golangMigrate: return GolangMigrateSource(directory: directory)
        case .dbmate: return DbmateSource(directory: directory)
        case .diesel: return DieselSource(directory: directory)
        case .drizzle: return DrizzleSource(directory: directory)
        case .flyway: return FlywaySource(directory: directory, variables: variables)
        case .sqitch: return SqitchSource(directory: directory)
        }
    }
}

/// A migrations folder in whatever layout it has: detects it (once) unless told, then reads with that layout's reader.
/// Statements that cannot run in a transaction (``NonTransactionalStatement``) take their section out of one in every layout.
public struct LayoutSource: MigrationSource {
    public let directory: URL
    /// The layout the user named; nil to detect.
    public let requested: MigrationFormat?
    public let variables: [String: String]
    private let detected = DetectionCache()

    private final class DetectionCache: Sendable {
        let value = Mutex<FormatDetection?>(nil)
    }

    public init(directory: URL, requested: MigrationFormat?, variables: [String: String]) {
        self.directory = directory
        self.requested = requested
        self.variables = variables
    }

    public var location: String { directory.path }

    /// The layout this source reads, and why.
    public func detection() -> FormatDetection {
        if let requested { return FormatDetection(format: requested, reason: "chosen with --format or `format` in strata.toml", explicit: true) }
        if let d = detected.value.withLock({ $0 }) { return d }
        let d = FormatDetector.detect(directory)
        detected.value.withLock { $0 = d }
        return d
    }

    /// Every migration, the layout read, and warnings to show the user.
    public func read() async throws -> FormatReading {
        let format = detection().format
        let reader = MigrationSources.reader(for: format, directory: directory, variables: variables)
        if let r = reader as? any FormatReader { return try r.read() }
        var migrations = try await reader.migrations()
        for i in migrations.indices {
            Self.leaveTransactionIfNeeded(&migrations[i].up)
            if var down = migrations[i].down {
                Self.leaveTransactionIfNeeded(&down)
                migrations[i].down = down
            }
        }
        return FormatReading(format: format, migrations: migrations)
    }

    public func migrations() async throws -> [Migration] { try await read().migrations }

    public func sumEntries(for migrations: [Migration]) async throws -> [SumEntry] {
        try await MigrationSources.reader(for: detection().format, directory: directory, variables: variables).sumEntries(for: migrations)
    }

    /// Strata's own files: a section holding a statement that cannot run in a transaction runs outside one even without `-- strata:no-transaction`.
    static func leaveTransactionIfNeeded(_ script: inout MigrationScript) {
        if !script.directives.noTransaction, script.holdsNonTransactionalStatement {
            script.directives.noTransaction = true
        }
    }
}
