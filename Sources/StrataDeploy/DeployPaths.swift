import Foundation
import StrataCore

/// Where an environment's status file and run logs live.
///
/// `state_dir` and `log_dir` come from `STRATA_STATE_DIR` / `STRATA_LOG_DIR` (relative to the working directory),
/// else from `strata.toml` (`[environments.NAME]` first, then the top level; relative to the file's directory),
/// else `.strata/state` and `.strata/logs` beside `strata.toml` (or in the working directory without one).
///
/// ```swift
/// let paths = try DeployPaths.resolve(config)     // config: the resolved StrataConfig
/// paths.statusFile                                 // …/.strata/state/staging.json
/// ```
public struct DeployPaths: Sendable, Hashable {
    /// The environment name used when none is chosen (`--env` / `STRATA_ENV`).
    public static let defaultEnvironment = "default"
    public static let stateVariable = "STRATA_STATE_DIR"
    public static let logVariable = "STRATA_LOG_DIR"
    public static let defaultStateDirectory = ".strata/state"
    public static let defaultLogDirectory = ".strata/logs"

    public var environment: String
    public var stateDirectory: String
    public var logDirectory: String
    /// The `.strata` folder holding the defaults, when a default is used (it gets a `.gitignore`).
    public var defaultRoot: String?

    public init(environment: String, stateDirectory: String, logDirectory: String, defaultRoot: String? = nil) {
        self.environment = environment
        self.stateDirectory = stateDirectory
        self.logDirectory = logDirectory
        self.defaultRoot = defaultRoot
    }

    /// The environment's name made safe for a file name (`[A-Za-z0-9._-]`, no leading dot).
    public var fileStem: String { Self.fileStem(environment) }
    public var statusFile: String { stateDirectory + "/" + fileStem + ".json" }
    /// Locked while a run is started or its status file checked (see ``StatusLock``).
    public var lockFile: String { stateDirectory + "/." + fileStem + ".lock" }

    public static func fileStem(_ environment: String) -> String {
        var s = String(environment.unicodeScalars.map { c -> Character in
            (("0"..."9").contains(c) || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "." || c == "-" || c == "_") ? Character(c) : "_"
        })
        if s.hasPrefix(".") { s = "_" + s.dropFirst() }
        return s.isEmpty ? "_" : s
    }

    /// The paths for `config`'s environment.
    public static func resolve(_ config: StrataConfig) throws(ConfigError) -> DeployPaths {
        try resolve(environment: config.environment, setting: config.setting, variables: config.variables,
                    baseDirectory: config.baseDirectory, workingDirectory: FileManager.default.currentDirectoryPath)
    }

    /// The paths from raw parts: `setting` looks a key up in `strata.toml` (environment table first).
    public static func resolve(environment: String?, setting: (String) -> ConfigValue?, variables: [String: String],
                               baseDirectory: String, workingDirectory: String) throws(ConfigError) -> DeployPaths {
        var usedDefault = false
        func directory(_ key: String, variable: String, fallback: String) throws(ConfigError) -> String {
            if let v = variables[variable], !v.isEmpty { return absolute(v, base: workingDirectory) }
            switch setting(key) {
            case .string(let s)?:
                let expanded = try ConfigResolver.expand(s, variables: variables, place: "strata.toml `\(key)`")
                guard !expanded.isEmpty else { throw ConfigError("strata.toml: `\(key)` must not be empty") }
                return absolute(expanded, base: baseDirectory)
            case let other?:
                throw ConfigError("strata.toml: `\(key)` must be a string (a directory), not \(other.typeName)")
            case nil:
                usedDefault = true
                return absolute(fallback, base: baseDirectory)
            }
        }
        let state = try directory("state_dir", variable: stateVariable, fallback: defaultStateDirectory)
        let log = try directory("log_dir", variable: logVariable, fallback: defaultLogDirectory)
        let env = environment.flatMap { $0.isEmpty ? nil : $0 } ?? defaultEnvironment
        return DeployPaths(environment: env, stateDirectory: state, logDirectory: log,
                           defaultRoot: usedDefault ? absolute(".strata", base: baseDirectory) : nil)
    }

    /// Creates both directories (mode 0750), and a `.gitignore` in a default `.strata` folder.
    public func createDirectories() throws {
        for dir in [stateDirectory, logDirectory] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            } catch {
                throw DeployError("cannot create \(dir): \((error as NSError).localizedDescription)")
            }
        }
        if let root = defaultRoot {
            let ignore = root + "/.gitignore"
            if FileManager.default.fileExists(atPath: root), !FileManager.default.fileExists(atPath: ignore) {
                try? Data("# Strata's run status files and logs (see `strata job status`).\n*\n".utf8).write(to: URL(fileURLWithPath: ignore))
            }
        }
    }

    static func absolute(_ path: String, base: String) -> String {
        let expanded = path.hasPrefix("~/") ? FileManager.default.homeDirectoryForCurrentUser.path + String(path.dropFirst(1)) : path
        let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : URL(fileURLWithPath: base).appendingPathComponent(expanded)
        return url.standardizedFileURL.path
    }
}
