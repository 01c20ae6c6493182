import ArgumentParser
import Foundation
import StrataKit

/// What the `strata job` commands work with: the environment's status file and logs, found without resolving
/// the database (a deploy user may not have the database's variables).
///
/// The environment is the ENV argument, else `--env`, else `STRATA_ENV`, else `default`. `state_dir` / `log_dir`
/// come from `STRATA_STATE_DIR` / `STRATA_LOG_DIR` (also from `--env-file`), else strata.toml, as for the run.
struct JobScope: Sendable {
    let paths: DeployPaths
    let output: Output

    var inspector: RunInspector { RunInspector(paths: paths) }
    var environment: String { paths.environment }
    /// ` staging` for the commands it suggests (empty for the default environment).
    var envArgument: String { environment == DeployPaths.defaultEnvironment ? "" : " \(environment)" }

    /// The error for an environment without a status file (exit 2).
    func noRun() -> CommandFailure {
        CommandFailure(.usage, "no run recorded for environment \(environment): \(paths.statusFile) does not exist (check the environment name and state_dir; start a run with `strata up --detach`)")
    }

    /// Resolves the scope, runs `body`, prints any error and exits with its code.
    static func run(_ global: GlobalOptions, environment: String?, _ body: @escaping @Sendable (JobScope) async throws -> Void) async throws {
        let output = Output(json: global.json, quiet: global.quiet, verbose: global.verbose, noColor: global.noColor, redactor: Redactor())
        do {
            let scope = JobScope(paths: try resolve(global, environment: environment), output: output)
            output.debug("status file: \(scope.paths.statusFile); logs: \(scope.paths.logDirectory)")
            try await body(scope)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let code = StrataExit.code(for: error)
            output.error("\(error)", code: code)
            throw ExitCode(code.rawValue)
        }
    }

    static func resolve(_ global: GlobalOptions, environment: String?) throws -> DeployPaths {
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ p: String, _ base: String) -> String {
            p.hasPrefix("/") ? p : URL(fileURLWithPath: base).appendingPathComponent(p).standardizedFileURL.path
        }
        var variables = ProcessInfo.processInfo.environment
        for path in global.envFile {
            for (k, v) in try DotEnv.load(path: absolute(path, cwd)) where variables[k] == nil { variables[k] = v }
        }
        if let environment, let flag = global.env, environment != flag {
            throw ConfigError("two environments given: \(environment) and --env \(flag)")
        }
        let env = environment ?? global.env ?? variables["STRATA_ENV"].flatMap { $0.isEmpty ? nil : $0 }
        var file: ConfigFile?
        if let explicit = global.config ?? variables["STRATA_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            let path = absolute(explicit, cwd)
            guard FileManager.default.fileExists(atPath: path) else { throw ConfigError("--config \(explicit): no such file") }
            file = try ConfigFile.load(path: path)
        } else if FileManager.default.fileExists(atPath: absolute("strata.toml", cwd)) {
            file = try ConfigFile.load(path: absolute("strata.toml", cwd))
        }
        let root = file?.root ?? [:]
        let base = file.map { URL(fileURLWithPath: $0.path).deletingLastPathComponent().path } ?? cwd
        var table: [String: ConfigValue] = [:]
        if let env, case .table(let envs)? = root["environments"], case .table(let t)? = envs[env] { table = t }
        // The environment's env files may set STRATA_STATE_DIR; one this user cannot read is skipped.
        var envFiles: [String] = []
        if case .string(let s)? = table["env_file"] { envFiles = [s] }
        if case .array(let a)? = table["env_file"] { envFiles = a.compactMap { if case .string(let s) = $0 { s } else { nil } } }
        for path in envFiles {
            guard let values = try? DotEnv.load(path: absolute(path, base)) else { continue }
            for (k, v) in values where variables[k] == nil { variables[k] = v }
        }
        return try DeployPaths.resolve(environment: env, setting: { table[$0] ?? root[$0] }, variables: variables,
                                       baseDirectory: base, workingDirectory: cwd)
    }
}
