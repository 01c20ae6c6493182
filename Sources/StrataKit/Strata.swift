import Foundation
import Logging
import StrataCore

/// The one-call API for apps that migrate at start-up or in tests.
///
/// ```swift
/// let strata = try Strata(database: "sqlite:app.sqlite", directory: "migrations")
/// let report = try await strata.up()
/// print("applied", report.steps.count)
/// ```
public struct Strata: Sendable {
    public let config: StrataConfig
    public let source: any MigrationSource
    public let driver: any DatabaseDriver

    public init(config: StrataConfig, source: (any MigrationSource)? = nil, logger: Logger = Logger(label: "strata")) {
        self.config = config
        self.source = source ?? MigrationSources.directory(URL(fileURLWithPath: config.migrationsDirectory), format: config.migrationFormat, variables: config.variables)
        self.driver = Drivers.driver(for: config.target, logger: logger)
    }

    /// Targets `database` (a URL) with migrations in `directory`.
    public init(database: String, directory: String) throws {
        let target = try DatabaseTarget.parse(database, origin: "database")
        let cwd = FileManager.default.currentDirectoryPath
        let dir = directory.hasPrefix("/") ? directory : cwd + "/" + directory
        self.init(config: StrataConfig(target: target, targetOrigin: "argument", migrationsDirectory: dir,
                                       redactor: Redactor(secrets: target.secrets)))
    }

    public func migrator(runID: String = RunContext.newRunID()) -> Migrator {
        Migrator(driver: driver, migrationsTable: config.migrationsTableName, eventsTable: config.eventsTableName,
                 context: RunContext(runID: runID, environment: config.environment, strataVersion: StrataVersion.current,
                                     directoryDisplay: config.migrationsDirectory))
    }

    /// Checks `strata.sum` in the migrations directory, when it exists, against `migrations` (already loaded from ``source``).
    public func checkSum(_ migrations: [Migration]) async throws {
        let sumURL = URL(fileURLWithPath: config.migrationsDirectory).appendingPathComponent(SumFile.fileName)
        guard FileManager.default.fileExists(atPath: sumURL.path) else { return }
        guard let data = FileManager.default.contents(atPath: sumURL.path), let text = String(data: data, encoding: .utf8) else {
            throw SourceError(directory: config.migrationsDirectory,
                              problems: [SourceProblem(file: SumFile.fileName, message: "cannot be read as UTF-8 text; run `strata hash` to rewrite it")])
        }
        let recorded: (total: String, entries: [SumEntry])
        do { recorded = try SumFile.parse(text, file: SumFile.fileName) } catch {
            throw SourceError(directory: config.migrationsDirectory, problems: [error])
        }
        let actual = SumFile(entries: try await source.sumEntries(for: migrations))
        let problems = SumFile.problems(recorded: recorded, actual: actual)
        if !problems.isEmpty { throw SourceError(directory: config.migrationsDirectory, problems: problems) }
    }

    /// Applies every pending migration.
    public func up(to target: MigrationVersion? = nil, options: RunOptions = RunOptions()) async throws -> RunReport {
        let migrations = try await source.migrations()
        try await checkSum(migrations)
        return try await migrator().run(.up(to: target), migrations: migrations, options: options)
    }
}
