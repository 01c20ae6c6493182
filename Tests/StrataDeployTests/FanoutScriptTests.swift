import Foundation
@testable import StrataDeploy
import StrataKit
import StrataTestSupport
import Testing
import Yams

/// The fan-out Job's container script, taken from the rendered manifest and run with /bin/sh as the pod would:
/// index i picks line i+1 of the targets file and migrates that database.
@Suite("fan-out script")
struct FanoutScriptTests {
    /// The script in the rendered Job (`command: [/bin/sh, -c, SCRIPT]`).
    func script(_ credentials: KubernetesOptions.Credentials, targets: [String]) throws -> String {
        var o = KubernetesOptions(kind: .fanoutJob)
        o.credentials = credentials
        o.targets = targets
        let docs = try documents(try single(KubernetesRenderer.render(o)).contents)
        let job = try #require(docs.last)
        let command = try #require(job.at("spec", "template", "spec", "containers", 0, "command")?.strings)
        try #require(command.count == 3 && command[0] == "/bin/sh" && command[1] == "-c")
        return command[2]
    }

    /// Runs the script for one index with `strata` found in `binDirectory`; the targets file holds `targets`.
    func run(_ script: String, index: Int, targets: [String], binDirectory: String, variables: [String: String],
             in dir: TempDirectory) throws -> (status: Int32, stdout: String, stderr: String) {
        let targetsFile = dir.file("targets")
        try Data((targets.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: targetsFile))
        var env = ["PATH": "\(binDirectory):/usr/bin:/bin", "HOME": dir.path, "JOB_COMPLETION_INDEX": String(index),
                   "STRATA_TARGETS_FILE": targetsFile]
        env.merge(variables) { _, new in new }
        return try runProgram("/bin/sh", ["-c", script], environment: env)
    }

    /// A stand-in `strata` that prints what it was given: the script's own logic (which line, which variable) is under test.
    func echoStrata(in dir: TempDirectory) throws -> String {
        let bin = dir.file("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let path = bin + "/strata"
        try Data("#!/bin/sh\necho \"url=${DATABASE_URL:-} name=${DATABASE_NAME:-} args=$*\"\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return bin
    }

    @Test("URL credentials: the index's database is added as dbname= (after ? or &); parts: it becomes DATABASE_NAME")
    func selectsTheIndexDatabase() async throws {
        let targets = ["tenant_a", "tenant_b", "tenant_c"]
        try await TempDirectory.with { dir in
            let bin = try echoStrata(in: dir)
            let url = try script(.url(secret: "db"), targets: targets)
            var r = try run(url, index: 1, targets: targets, binDirectory: bin, variables: ["DATABASE_URL": "postgres://app@db:5432/app"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("url=postgres://app@db:5432/app?dbname=tenant_b name= args=up"), "\(r.stdout)")
            #expect(r.stdout.contains("index 1 migrates database tenant_b"))
            r = try run(url, index: 2, targets: targets, binDirectory: bin, variables: ["DATABASE_URL": "postgres://app@db/app?sslmode=require"], in: dir)
            #expect(r.stdout.contains("url=postgres://app@db/app?sslmode=require&dbname=tenant_c "), "\(r.stdout)")

            let parts = try script(.parts(configMap: "cfg", secret: "db"), targets: targets)
            r = try run(parts, index: 0, targets: targets, binDirectory: bin, variables: ["DATABASE_HOST": "db", "DATABASE_NAME": "ignored"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("name=tenant_a args=up"), "\(r.stdout)")
        }
    }

    @Test("an index without a line fails with a message instead of migrating the default database")
    func missingLine() async throws {
        try await TempDirectory.with { dir in
            let bin = try echoStrata(in: dir)
            let s = try script(.url(secret: "db"), targets: ["a", "b"])
            let r = try run(s, index: 5, targets: ["a", "b"], binDirectory: bin, variables: ["DATABASE_URL": "postgres://app@db/app"], in: dir)
            #expect(r.status == 2)
            #expect(r.stderr.contains("no database on line 6"))
            #expect(!r.stdout.contains("args=up"))
        }
    }

    @Test("with the real strata and PostgreSQL: each index migrates its own database, URL and parts credentials",
          .enabled(if: TestEnvironment.postgresEnabled))
    func migratesEachDatabase() async throws {
        let serverURL = try TestEnvironment.requiredPostgresURL()
        let strataDirectory = URL(fileURLWithPath: TestEnvironment.strataBinary).deletingLastPathComponent().path
        try await CLITestDatabase.with { first in
            try await CLITestDatabase.with { second in
                try await TempDirectory.with { dir in
                    let migrations = dir.file("migrations")
                    try FileManager.default.createDirectory(atPath: migrations, withIntermediateDirectories: true)
                    try Data("-- strata:up\nCREATE TABLE tenants_1 (id int);\n-- strata:down\nDROP TABLE tenants_1;\n".utf8)
                        .write(to: URL(fileURLWithPath: migrations + "/0001_one.sql"))
                    try Data("-- strata:up\nCREATE TABLE tenants_2 (id int);\n-- strata:down\nDROP TABLE tenants_2;\n".utf8)
                        .write(to: URL(fileURLWithPath: migrations + "/0002_two.sql"))
                    let targets = [first.name, second.name]
                    let common = ["STRATA_DIR": migrations]

                    let url = try script(.url(secret: "db"), targets: targets)
                    let r0 = try run(url, index: 0, targets: targets, binDirectory: strataDirectory,
                                     variables: common.merging(["DATABASE_URL": serverURL]) { a, _ in a }, in: dir)
                    #expect(r0.status == 0, "\(r0.stdout)\(r0.stderr)")
                    #expect(try await first.appliedVersions() == ["0001", "0002"])
                    #expect(try await second.appliedVersions() == [], "index 0 touches only the first database")

                    let parts = try script(.parts(configMap: "cfg", secret: "db"), targets: targets)
                    let partsVariables = ["DATABASE_HOST": second.host, "DATABASE_PORT": String(second.port), "DATABASE_USER": second.user,
                                          "DATABASE_PASSWORD": second.password, "DATABASE_NAME": "postgres"]
                    let r1 = try run(parts, index: 1, targets: targets, binDirectory: strataDirectory,
                                     variables: common.merging(partsVariables) { a, _ in a }, in: dir)
                    #expect(r1.status == 0, "\(r1.stdout)\(r1.stderr)")
                    #expect(try await second.appliedVersions() == ["0001", "0002"])
                    #expect(try await second.relationExists("tenants_2"))
                }
            }
        }
    }
}
