import ArgumentParser
import Foundation
import Synchronization
import Logging
import StrataKit

/// What a command works with: the resolved configuration, the output, and the Strata facade.
struct CommandContext: Sendable {
    let config: StrataConfig
    let output: Output
    let strata: Strata
    let global: GlobalOptions

    /// The migrations directory as the user would write it (relative to the working directory when inside it).
    var directoryDisplay: String {
        let cwd = FileManager.default.currentDirectoryPath
        let dir = config.migrationsDirectory
        if dir.hasPrefix(cwd + "/") { return String(dir.dropFirst(cwd.count + 1)) }
        return dir
    }

    func migrator() -> Migrator {
        var m = Migrator(driver: strata.driver, migrationsTable: config.migrationsTableName, eventsTable: config.eventsTableName,
                 context: {
                     var c = RunContext(runID: RunRecorder.detachedRunID ?? RunContext.newRunID(), environment: config.environment,
                                        strataVersion: StrataVersion.current, directoryDisplay: directoryDisplay)
                     c.redactor = config.redactor
                     return c
                 }())
        m.hooks.append(RunRecorderHook())
        return m
    }

    /// Every migration in the directory (all parsed and checked), plus the strata.sum check.
    func loadMigrations(checkSum: Bool = true) async throws -> [Migration] {
        let migrations = try await readMigrations()
        if checkSum { try await strata.checkSum(migrations) }
        KeptUntilExit.keep(migrations)
        return migrations
    }

    /// Writes `strata.sum` for the migrations folder as it is now (`strata hash`; `strata squash` when the folder has one).
    func writeSumFile() async throws -> (url: URL, sum: SumFile) {
        let sum = SumFile(entries: try await strata.source.sumEntries())
        let url = URL(fileURLWithPath: config.migrationsDirectory).appendingPathComponent(SumFile.fileName)
        do {
            try sum.text.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw CommandFailure(.failure, "cannot write \(url.path): \((error as NSError).localizedDescription)")
        }
        return (url, sum)
    }

    /// Resolves the configuration, runs `body`, prints any error and exits with its code.
    /// - Parameter ownsTimeout: true when the command enforces `--timeout` itself (a safe run bounds each stage and then rolls back).
    static func run(_ global: GlobalOptions, run flags: RunFlags? = nil, ownsTimeout: @Sendable (StrataConfig) -> Bool = { _ in false },
                    _ body: @escaping @Sendable (CommandContext) async throws -> Void) async throws {
        RunRecorder.activateDetachedRunner()
        let baseOutput = Output(json: global.json, quiet: global.quiet, verbose: global.verbose, noColor: global.noColor, redactor: Redactor())
        var output = baseOutput
        do {
            var overrides = ConfigOverrides()
            overrides.database = global.database
            overrides.directory = global.dir
            overrides.format = global.format
            overrides.environment = global.env
            overrides.envFiles = global.envFile
            overrides.configFile = global.config
            try flags?.apply(to: &overrides)
            var redactor = Redactor()
            if let db = global.database, let pw = URLComponents(string: db)?.password { redactor.add(pw) }
            output = baseOutput.with(redactor: redactor)
            let config = try ConfigResolver.resolve(overrides, variables: ProcessInfo.processInfo.environment,
                                                    workingDirectory: FileManager.default.currentDirectoryPath)
            output = baseOutput.with(redactor: config.redactor)
            for w in config.warnings { output.note(output.paint("warning: ", .yellow) + w) }
            let redactorForLogs = config.redactor
            var logger = Logger(label: "strata") { label in
                RedactingLogHandler(logLevel: global.verbose ? .debug : .warning, label: label, redactor: redactorForLogs)
            }
            logger.logLevel = global.verbose ? .debug : .warning
            let ctx = CommandContext(config: config, output: output, strata: Strata(config: config, logger: logger), global: global)
            output.debug("database: \(config.target.display) (from \(config.targetOrigin)); migrations: \(config.migrationsDirectory)\(config.configFile.map { "; config: \($0)" } ?? "")")
            let out = output
            let selfTimed = ownsTimeout(config)
            // A safe run needs time after a signal to drop its rehearsal copy.
            if selfTimed { Interruption.shared.grace = .seconds(15) }
            try await Interruption.shared.run(timeout: selfTimed ? nil : config.runTimeout, output: out) { try await body(ctx) }
            RunRecorder.finish(.ok, message: nil)
        } catch let exit as ExitCode {
            RunRecorder.finish(StrataExit(rawValue: exit.rawValue) ?? .failure, message: nil)
            throw exit
        } catch {
            let code = StrataExit.code(for: error)
            var message = "\(error)"
            if error is CancellationError {
                message = "interrupted between migrations; nothing was half-applied (see `strata status` for what is applied; with --single-transaction, nothing is)"
            }
            if code == .timedOut, error is MigrationFailure || error is CancellationError { message = "--timeout reached; " + message }
            if output.verbose {
                if let f = error as? MigrationFailure, let u = f.underlying { message += "\n  underlying: \(u)" }
                if let c = error as? ConnectionError, let u = c.underlying { message += "\n  underlying: \(u)" }
            }
            output.error(message, code: code)
            RunRecorder.finish(code, message: output.redactor.redact(message))
            throw ExitCode(code.rawValue)
        }
    }
}

/// Values the command keeps until the process exits, so they are never freed one object at a time: the CLI ends with
/// `exit()`, and freeing 10,000 parsed migrations cost a no-op run a tenth of its time. (They stay alive until the
/// command's end anyway; this changes no peak.)
enum KeptUntilExit {
    private static let values = Mutex<[any Sendable]>([])
    static func keep(_ value: any Sendable) { values.withLock { $0.append(value) } }
}
