// SafetySettings.resolve: when safety is on, what the flags turn off, where backups and reports go, and
// the errors for badly typed strata.toml keys and bad --keep / --keep-days values.

import Foundation
import Testing
import StrataKit
@testable import StrataSafety

private let environments = """
[environments.production]
database = "sqlite:prod.sqlite"

[environments.staging]
database = "sqlite:staging.sqlite"
"""

private func settings(_ toml: String?, env: String?, flags: SafetyFlags = SafetyFlags(),
                      variables: [String: String] = [:]) throws -> SafetySettings {
    let dir = try SafetyTempDir("settings")
    defer { dir.remove() }
    if let toml { try dir.write("strata.toml", toml) }
    return try SafetySettings.resolve(config: try resolveConfig(in: dir, env: env, variables: variables), flags: flags)
}

/// The ConfigError message of resolving with `toml` and `flags`, or a recorded failure.
private func configError(_ toml: String, env: String? = "production", flags: SafetyFlags = SafetyFlags(),
                         sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    do {
        let s = try settings(toml, env: env, flags: flags)
        Issue.record("expected a ConfigError, got settings enabled=\(s.enabled)", sourceLocation: sourceLocation)
        return ""
    } catch let e as ConfigError {
        return e.description
    }
}

struct SafetySettingsTests {
    @Test("on for production only, by default", arguments: [("production", true), ("staging", false)])
    func defaultByEnvironmentName(env: String, on: Bool) throws {
        let s = try settings(environments, env: env)
        #expect(s.enabled == on)
        #expect(s.backup == on)
        #expect(s.rehearsal == on)
        #expect(!s.force)
        #expect(s.environmentName == env)
        #expect(s.keepDays == 30)
        #expect(s.keep == nil)
    }

    @Test func offWithoutAnEnvironment() throws {
        let s = try settings(nil, env: nil)
        #expect(!s.enabled && !s.backup && !s.rehearsal)
        #expect(s.environmentName == "default")
    }

    @Test("safety = true/false in strata.toml; the environment's table wins over the top level", arguments: [
        ("safety = true\n" + environments, "staging", true),
        ("safety = false\n" + environments, "production", false),
        ("safety = true\n" + environments.replacingOccurrences(of: "\"sqlite:staging.sqlite\"", with: "\"sqlite:staging.sqlite\"\nsafety = false"), "staging", false),
        ("safety = false\n" + environments.replacingOccurrences(of: "\"sqlite:staging.sqlite\"", with: "\"sqlite:staging.sqlite\"\nsafety = true"), "staging", true),
        ("safety = false\n" + environments.replacingOccurrences(of: "\"sqlite:prod.sqlite\"", with: "\"sqlite:prod.sqlite\"\nsafety = true"), "production", true),
    ])
    func safetyKey(toml: String, env: String, on: Bool) throws {
        let s = try settings(toml, env: env)
        #expect(s.enabled == on, "\(toml)")
        #expect(s.backup == on && s.rehearsal == on)
    }

    @Test func safeFlagTurnsItOnEvenAgainstTheFile() throws {
        #expect(try settings(environments, env: "staging", flags: safetyFlags(safe: true)).enabled)
        #expect(try settings(nil, env: nil, flags: safetyFlags(safe: true)).enabled)
        let forcedOn = try settings("safety = false\n" + environments, env: "staging", flags: safetyFlags(safe: true))
        #expect(forcedOn.enabled && forcedOn.backup && forcedOn.rehearsal)
    }

    @Test func skipFlagsAndForce() throws {
        let noBackup = try settings(environments, env: "production", flags: safetyFlags(skipBackup: true))
        #expect(noBackup.enabled && !noBackup.backup && noBackup.rehearsal)
        let noTest = try settings(environments, env: "production", flags: safetyFlags(skipTest: true))
        #expect(noTest.enabled && noTest.backup && !noTest.rehearsal)
        let forced = try settings(environments, env: "production", flags: safetyFlags(force: true, keepDays: 0, keep: 3))
        #expect(forced.enabled && forced.force && forced.backup && forced.rehearsal)
        #expect(forced.keepDays == 0)
        #expect(forced.keep == 3)
        // Skipping stages of a run that is not safe changes nothing.
        let staging = try settings(environments, env: "staging", flags: safetyFlags(skipBackup: true, skipTest: true))
        #expect(!staging.enabled && !staging.backup && !staging.rehearsal)
    }

    @Test func directoriesAreRelativeToTheConfigFile() throws {
        let dir = try SafetyTempDir("settings-dirs")
        defer { dir.remove() }
        try dir.write("conf/strata.toml", environments)
        try FileManager.default.createDirectory(atPath: dir.file("work"), withIntermediateDirectories: true)
        let config = try resolveConfig(in: dir, env: "production", configFile: "../conf/strata.toml", workingDirectory: dir.file("work"))
        let defaults = try SafetySettings.resolve(config: config, flags: SafetyFlags())
        #expect(defaults.backupDirectory == dir.file("conf/backups/production"))
        #expect(defaults.reportDirectory == dir.file("conf/reports/production"))

        try dir.write("conf/strata.toml", "backup_dir = \"../bk\"\nreport_dir = \"/var/tmp/strata-reports\"\n" + environments)
        let set = try SafetySettings.resolve(config: try resolveConfig(in: dir, env: "production", configFile: "../conf/strata.toml",
                                                                       workingDirectory: dir.file("work")), flags: SafetyFlags())
        #expect(set.backupDirectory == dir.file("bk"))
        #expect(set.reportDirectory == "/var/tmp/strata-reports")

        try dir.write("conf/strata.toml", "backup_dir = \"top\"\n" + environments.replacingOccurrences(of: "\"sqlite:prod.sqlite\"", with: "\"sqlite:prod.sqlite\"\nbackup_dir = \"prod-bk\""))
        let perEnv = try SafetySettings.resolve(config: try resolveConfig(in: dir, env: "production", configFile: "../conf/strata.toml",
                                                                          workingDirectory: dir.file("work")), flags: SafetyFlags())
        #expect(perEnv.backupDirectory == dir.file("conf/prod-bk"))
    }

    @Test func backupDirVariableWinsOverTheFile() throws {
        let toml = "backup_dir = \"from-file\"\n" + environments
        let dir = try SafetyTempDir("settings-var")
        defer { dir.remove() }
        try dir.write("strata.toml", toml)
        func resolved(_ value: String) throws -> String {
            try SafetySettings.resolve(config: try resolveConfig(in: dir, env: "production", variables: ["BACKUP_DIR": value]),
                                       flags: SafetyFlags()).backupDirectory
        }
        #expect(try resolved("/srv/backups") == "/srv/backups")
        #expect(try resolved("var-bk") == dir.file("var-bk"))
        #expect(try resolved("./x/../var-bk") == dir.file("var-bk"))
        #expect(try resolved("") == dir.file("from-file"))
    }

    @Test func requiredTablesAndValidateQueries() throws {
        let toml = """
            required_tables = ["users", "app.orders"]
            validate_queries = ["SELECT count(*) > 0 FROM users"]
            \(environments)
            """
        let s = try settings(toml, env: "production")
        #expect(s.requiredTables == ["users", "app.orders"])
        #expect(s.validateQueries == ["SELECT count(*) > 0 FROM users"])
        let none = try settings(environments, env: "production")
        #expect(none.requiredTables.isEmpty && none.validateQueries.isEmpty)
    }

    @Test("a badly typed key is a ConfigError naming the key", arguments: [
        ("safety = \"yes\"", "`safety`"),
        ("backup_dir = 5", "`backup_dir`"),
        ("report_dir = true", "`report_dir`"),
        ("required_tables = \"users\"", "`required_tables`"),
        ("required_tables = [\"users\", 3]", "`required_tables`"),
        ("validate_queries = [true]", "`validate_queries`"),
    ])
    func badTypes(line: String, key: String) throws {
        let message = try configError(line + "\n" + environments)
        #expect(message.contains(key), "\(message)")
        #expect(message.contains("strata.toml"), "\(message)")
    }

    @Test("bad --keep / --keep-days", arguments: [
        (safetyFlags(keepDays: -1), "--keep-days -1"),
        (safetyFlags(keep: 0), "--keep 0"),
        (safetyFlags(keep: -4), "--keep -4"),
    ])
    func badRetention(flags: SafetyFlags, words: String) throws {
        let message = try configError(environments, flags: flags)
        #expect(message.contains(words), "\(message)")
    }
}
