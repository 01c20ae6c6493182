import Foundation
@testable import StrataDeploy
import StrataKit
import Testing

@Suite("State and log directories")
struct DeployPathsTests {
    func resolve(env: String? = "staging", table: [String: ConfigValue] = [:], root: [String: ConfigValue] = [:],
                 variables: [String: String] = [:]) throws -> DeployPaths {
        try DeployPaths.resolve(environment: env, setting: { table[$0] ?? root[$0] }, variables: variables,
                                baseDirectory: "/srv/app", workingDirectory: "/home/deploy")
    }

    @Test("defaults: .strata/state and .strata/logs beside strata.toml; environment `default` when none")
    func defaults() throws {
        let p = try resolve(env: nil)
        #expect(p.environment == "default")
        #expect(p.stateDirectory == "/srv/app/.strata/state")
        #expect(p.logDirectory == "/srv/app/.strata/logs")
        #expect(p.statusFile == "/srv/app/.strata/state/default.json")
        #expect(p.lockFile == "/srv/app/.strata/state/.default.lock")
        #expect(p.defaultRoot == "/srv/app/.strata")
    }

    @Test("strata.toml: the environment's table wins over the top level; relative to the file; ${VAR} expanded")
    func fromFile() throws {
        let p = try resolve(table: ["state_dir": .string("state/${TIER}")], root: ["state_dir": .string("/nope"), "log_dir": .string("/var/log/app")],
                            variables: ["TIER": "blue"])
        #expect(p.stateDirectory == "/srv/app/state/blue")
        #expect(p.logDirectory == "/var/log/app")
        #expect(p.statusFile == "/srv/app/state/blue/staging.json")
        #expect(p.defaultRoot == nil)
    }

    @Test("STRATA_STATE_DIR / STRATA_LOG_DIR win, relative to the working directory")
    func fromVariables() throws {
        let p = try resolve(root: ["state_dir": .string("/nope")], variables: ["STRATA_STATE_DIR": "st", "STRATA_LOG_DIR": "/var/log/strata"])
        #expect(p.stateDirectory == "/home/deploy/st")
        #expect(p.logDirectory == "/var/log/strata")
    }

    @Test("a state_dir that is not a string is a configuration error")
    func badType() {
        #expect(throws: ConfigError.self) { try resolve(root: ["state_dir": .int(3)]) }
    }

    @Test("environment names become safe file names", arguments: [("staging", "staging"), ("prod-eu.1", "prod-eu.1"), ("../x", "_._x"), ("a/b c", "a_b_c"), (".hidden", "_hidden")])
    func stems(_ pair: (String, String)) {
        #expect(DeployPaths.fileStem(pair.0) == pair.1)
    }

    @Test("createDirectories makes 0750 folders and a .gitignore in a default .strata")
    func create() async throws {
        try await TempDirectory.with { dir in
            let p = try DeployPaths.resolve(environment: nil, setting: { _ in nil }, variables: [:], baseDirectory: dir.path, workingDirectory: dir.path)
            try p.createDirectories()
            #expect(try fileMode(p.stateDirectory) == 0o750)
            #expect(try String(contentsOfFile: dir.file(".strata/.gitignore"), encoding: .utf8).contains("*"))
        }
    }
}
