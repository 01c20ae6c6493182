import Foundation
import StrataTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What one `strata` run did.
struct CLIResult: Sendable, CustomStringConvertible {
    var arguments: [String]
    /// The exit status; minus the signal number when the process died of a signal it did not handle.
    var exitCode: Int32
    var stdout: String
    var stderr: String
    /// From start to exit.
    var elapsed: Duration
    var output: String { stdout + "\n" + stderr }

    var description: String {
        "strata \(arguments.joined(separator: " ")) → exit \(exitCode) after \(elapsed)\n--- stdout:\n\(stdout)--- stderr:\n\(stderr)---"
    }
}

/// The process did not exit in time; it was killed.
struct CLITimeout: Error, CustomStringConvertible {
    var result: CLIResult
    var limit: Duration
    var description: String { "did not exit within \(limit) (killed):\n\(result)" }
}

/// A `strata` process started by ``CLIWorkspace/start(_:environment:)``. Its output goes to files, so a
/// chatty run can never block on a full pipe.
final class CLIProcess: @unchecked Sendable {
    let arguments: [String]
    private let process: Process
    private let stdoutURL: URL
    private let stderrURL: URL
    let started: ContinuousClock.Instant

    init(arguments: [String], directory: URL, environment: [String: String], logDirectory: URL) throws {
        self.arguments = arguments
        let id = UUID().uuidString
        stdoutURL = logDirectory.appendingPathComponent("\(id).stdout")
        stderrURL = logDirectory.appendingPathComponent("\(id).stderr")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.strataBinary)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        started = .now
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Sends `sig` (SIGTERM, SIGINT…) to the process.
    func send(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// The output so far.
    var stdoutSoFar: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderrSoFar: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits for the exit; kills the process and throws ``CLITimeout`` after `limit`.
    func wait(limit: Duration = .seconds(60)) async throws -> CLIResult {
        let deadline = started + limit
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw CLITimeout(result: result(), limit: limit)
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        return result()
    }

    private func result() -> CLIResult {
        let code = process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
        return CLIResult(arguments: arguments, exitCode: code, stdout: stdoutSoFar, stderr: stderrSoFar, elapsed: .now - started)
    }
}

/// A temporary working directory for `strata` runs, and a controlled environment: the host's database
/// variables (DATABASE_URL, PG*, DATABASE_*, DB_*, STRATA_*) are removed so nothing leaks in.
struct CLIWorkspace: Sendable {
    let directory: URL
    let logDirectory: URL
    var environment: [String: String]

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("strata-cli-\(UUID().uuidString)")
        directory = base.appendingPathComponent("work")
        logDirectory = base.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        environment = Self.cleanEnvironment()
    }

    /// The test process's environment without anything that could choose a database or configure Strata.
    static func cleanEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { key, _ in
            !(key == "DATABASE_URL" || key.hasPrefix("PG") || key.hasPrefix("DATABASE_") || key.hasPrefix("DB_") || key.hasPrefix("STRATA_"))
        }.merging(["NO_COLOR": "1"]) { _, new in new }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
    }

    func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    /// Writes `text` to `relative` (creating folders), replacing any file there.
    func write(_ relative: String, _ text: String) throws {
        let url = directory.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(relative), encoding: .utf8)
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    /// Writes `migrations/<file>` with `-- strata:up` / `-- strata:down` sections.
    func migration(_ file: String, up: String, down: String? = nil) throws {
        try write("migrations/\(file)", Self.migrationText(up: up, down: down))
    }

    static func migrationText(up: String, down: String? = nil) -> String {
        "-- strata:up\n\(up)\n" + (down.map { "-- strata:down\n\($0)\n" } ?? "")
    }

    /// Starts `strata arguments…` here, with `environment` added to the clean environment.
    func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> CLIProcess {
        try CLIProcess(arguments: arguments, directory: directory, environment: environment.merging(extra) { _, new in new },
                       logDirectory: logDirectory)
    }

    /// Runs `strata arguments…` to completion (killed and failed after `limit`).
    func run(_ arguments: [String], environment extra: [String: String] = [:], limit: Duration = .seconds(60)) async throws -> CLIResult {
        try await start(arguments, environment: extra).wait(limit: limit)
    }

    /// Runs `body` with a fresh workspace and removes it afterwards.
    static func with(_ body: (CLIWorkspace) async throws -> Void) async throws {
        let ws = try CLIWorkspace()
        defer { ws.remove() }
        try await body(ws)
    }
}

/// Decodes a `--json` document into `T` (snake_case keys).
func decodeJSON<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(T.self, from: Data(text.utf8))
}

/// Parses a `--json` document into a plain dictionary.
func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw JSONShapeError(text: text)
    }
    return object
}

struct JSONShapeError: Error, CustomStringConvertible {
    var text: String
    var description: String { "not a JSON object:\n\(text)" }
}

/// Polls `condition` every 50 ms until it holds or `limit` passes; returns whether it held.
func eventually(within limit: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(50))
    }
}
