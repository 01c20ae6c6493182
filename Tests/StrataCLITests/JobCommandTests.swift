import Foundation
import StrataKit
import StrataTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `strata up --detach`, `strata job start|status|wait|logs` and `strata render systemd`, end to end on SQLite files.
@Suite("CLI: detached runs and job status")
struct JobCommandTests {
    static func twoMigrations(_ ws: CLIWorkspace) throws {
        try ws.migration("0001_users.sql", up: "CREATE TABLE users (id integer);", down: "DROP TABLE users;")
        try ws.migration("0002_posts.sql", up: "CREATE TABLE posts (id integer);\nINSERT INTO posts VALUES (1);", down: "DROP TABLE posts;")
    }

    @Test("up --detach returns at once; job wait exits 0; status file, job status --json and the log say what happened")
    func detachedRun() async throws {
        try await CLIWorkspace.with { ws in
            defer { ws.killRunner() }
            try Self.twoMigrations(ws)
            let launch = try await ws.run(["up", "--detach"])
            #expect(launch.exitCode == 0, "\(launch)")
            #expect(launch.elapsed < .seconds(10), "up --detach took \(launch.elapsed)")
            #expect(launch.stdout.contains("Started detached run") && launch.stdout.contains(ws.statusFilePath()), "\(launch)")
            let wait = try await ws.run(["job", "wait", "--poll", "100ms"])
            #expect(wait.exitCode == 0, "\(wait)")
            #expect(wait.stdout.contains("completed"), "\(wait)")

            let status = try #require(try ws.statusObject())
            #expect(status["status"] as? String == "completed")
            #expect(status["exit_code"] as? Int == 0)
            #expect(status["detached"] as? Bool == true)
            #expect(status["environment"] as? String == "default")
            #expect(status["to_version"] as? String == "0002")
            #expect((status["applied"] as? [[String: Any]])?.compactMap { $0["version"] as? String } == ["0001", "0002"])
            #expect(launch.stdout.contains(status["run_id"] as? String ?? "?"))
            #expect(try await ws.sqliteAppliedVersions() == ["0001", "0002"])

            let lines = try ws.runLogLines()
            #expect(!lines.isEmpty && lines.allSatisfy(isTimestamped), "\(lines)")
            let text = lines.joined(separator: "\n")
            for expected in ["Applying 2 migrations", "✓ [1/2] up   0001 users", "✓ [2/2] up   0002 posts", "Done: 2 steps", "completed (exit 0)"] {
                #expect(text.contains(expected), "log lacks \(expected):\n\(text)")
            }

            let json = try await ws.run(["job", "status", "--json"])
            #expect(json.exitCode == 0, "\(json)")
            let object = try jsonObject(json.stdout)
            for key in RunStatus.keys + ["status_file", "log_tail"] { #expect(object.keys.contains(key), "job status --json lacks \(key)") }
            #expect((object["log_tail"] as? [String])?.last?.contains("completed (exit 0)") == true)

            let human = try await ws.run(["job", "status"])
            #expect(human.stdout.contains("default: completed (exit 0)") && human.stdout.contains("Last "), "\(human)")
            let logs = try await ws.run(["job", "logs"])
            #expect(logs.exitCode == 0 && logs.stdout.split(separator: "\n").map(String.init) == lines, "\(logs)")
            let tail = try await ws.run(["job", "logs", "-n", "1"])
            #expect(tail.stdout.split(separator: "\n").count == 1 && tail.stdout.contains("completed (exit 0)"), "\(tail)")
        }
    }

    @Test("a failing migration: job wait exits 1 with the error from the status file")
    func failingRun() async throws {
        try await CLIWorkspace.with { ws in
            defer { ws.killRunner() }
            try ws.migration("0001_ok.sql", up: "CREATE TABLE ok (id integer);")
            try ws.migration("0002_bad.sql", up: "CREATE TABLE bad (id integer);\nINSERT INTO nope VALUES (1);")
            #expect(try await ws.run(["up", "--detach"]).exitCode == 0)
            let wait = try await ws.run(["job", "wait", "--poll", "100ms"])
            #expect(wait.exitCode == 1, "\(wait)")
            #expect(wait.stderr.contains("failed (exit 1)") && wait.stderr.contains("no such table: nope"), "\(wait)")
            let status = try #require(try ws.runStatus())
            #expect(status.status == .failed && status.exitCode == 1)
            #expect(status.message.contains("migration 0002 bad failed") && status.message.contains("no such table: nope"))
            #expect(status.applied.map(\.version) == ["0001"] && status.currentMigration == "0002_bad")
            #expect(try ws.runLogLines().joined(separator: "\n").contains("failed (exit 1)"))
            let json = try await ws.run(["job", "wait", "--json"])
            #expect(json.exitCode == 1)
            #expect(try jsonObject(json.stdout)["outcome"] as? String == "failed", "\(json)")
            #expect(try await ws.sqliteAppliedVersions() == ["0001"])
        }
    }

    @Test("a second detached run is refused (exit 4) naming the running one; a crashed one is reported and replaced")
    func guardAndCrash() async throws {
        try await CLIWorkspace.with { ws in
            defer { ws.killRunner() }
            try Self.twoMigrations(ws)
            try ws.writeRunningStatus(runID: "20261123T140501-feedbeef")
            let refused = try await ws.run(["up", "--detach"])
            #expect(refused.exitCode == 4, "\(refused)")
            #expect(refused.stderr.contains("20261123T140501-feedbeef") && refused.stderr.contains("strata up --env default"), "\(refused)")
            let logs = (try? FileManager.default.contentsOfDirectory(atPath: ws.path(".strata/logs"))) ?? []
            #expect(logs.isEmpty, "a refused run created a log: \(logs)")
            #expect(!ws.exists("strata.sqlite"), "the refused run touched the database")
            let down = try await ws.run(["down", "--detach"])
            #expect(down.exitCode == 4, "\(down)")

            // The same run, its process gone: crashed, written back, and a new run may start.
            try ws.writeRunningStatus(pid: try deadPid(), runID: "20261123T140501-deadbeef")
            let status = try await ws.run(["job", "status", "--json"])
            #expect(try jsonObject(status.stdout)["status"] as? String == "crashed", "\(status)")
            #expect(try ws.runStatus()?.status == .crashed)
            let wait = try await ws.run(["job", "wait"])
            #expect(wait.exitCode == 11, "\(wait)")
            #expect(wait.stderr.contains("20261123T140501-deadbeef") && wait.stderr.contains("is gone"), "\(wait)")
            #expect(try await ws.run(["up", "--detach"]).exitCode == 0)
            #expect(try await ws.run(["job", "wait", "--poll", "100ms"]).exitCode == 0)
        }
    }

    @Test("job wait: exit 124 at --timeout with progress lines; exit 2 when no run is recorded or none starts")
    func waitTimeoutAndNoRun() async throws {
        try await CLIWorkspace.with { ws in
            let none = try await ws.run(["job", "wait"])
            #expect(none.exitCode == 2 && none.stderr.contains("no run recorded"), "\(none)")
            let never = try await ws.run(["job", "wait", "--since", "\(Int(Date().timeIntervalSince1970))", "--start-timeout", "1s", "--poll", "100ms"])
            #expect(never.exitCode == 2 && never.elapsed < .seconds(10), "\(never)")

            try ws.writeRunningStatus()
            let r = try await ws.run(["job", "wait", "--timeout", "1500ms", "--poll", "100ms", "--progress", "500ms"], limit: .seconds(20))
            #expect(r.exitCode == 124, "\(r)")
            #expect(r.elapsed < .seconds(10), "took \(r.elapsed)")
            #expect(r.stdout.contains("still running after"), "\(r)")
            #expect(r.stderr.contains("the run goes on"), "\(r)")
            let bad = try await ws.run(["job", "wait", "--poll", "soon"])
            #expect(bad.exitCode == 2, "\(bad)")
        }
    }

    @Test("job start -- up runs detached; environments get their own status file; only up/down/redo, no --dry-run")
    func jobStart() async throws {
        try await CLIWorkspace.with { ws in
            defer { ws.killRunner("staging") }
            try Self.twoMigrations(ws)
            try ws.write("strata.toml", "[environments.staging]\ndatabase = \"sqlite:staging.sqlite\"\n")
            let start = try await ws.run(["job", "start", "--json", "--", "up", "--env", "staging", "--to", "0001"])
            #expect(start.exitCode == 0, "\(start)")
            #expect(try jsonObject(start.stdout)["status_file"] as? String == ws.statusFilePath("staging"), "\(start)")
            #expect(try await ws.run(["job", "wait", "staging", "--poll", "100ms"]).exitCode == 0)
            #expect(try ws.runStatus("staging")?.toVersion == "0001")
            #expect(try ws.runStatus("staging")?.command == "strata up --env staging --to 0001")
            #expect(!ws.exists(".strata/state/default.json"))
            // The environment also from --env, and a redo through job start.
            #expect(try await ws.run(["job", "start", "--env", "staging", "--", "redo"]).exitCode == 0)
            let redo = try await ws.run(["--env", "staging", "job", "wait", "--poll", "100ms"])
            #expect(redo.exitCode == 0, "\(redo)")
            #expect(try ws.runStatus("staging")?.applied.map(\.direction) == ["down", "up"])

            for args in [["job", "start", "--", "status"], ["job", "start"], ["up", "--detach", "--dry-run"], ["job", "start", "--", "up", "--bogus"]] {
                let r = try await ws.run(args)
                #expect(r.exitCode == 2, "\(r)")
            }
        }
    }

    @Test("foreground runs record their status (no log); dry runs do not; state_dir from strata.toml or STRATA_STATE_DIR")
    func foregroundRuns() async throws {
        try await CLIWorkspace.with { ws in
            try Self.twoMigrations(ws)
            #expect(try await ws.run(["up", "--dry-run"]).exitCode == 0)
            #expect(!ws.exists(".strata/state/default.json"))
            #expect(try await ws.run(["up", "--to", "0001"]).exitCode == 0)
            let s = try #require(try ws.runStatus())
            #expect(s.status == .completed && s.exitCode == 0 && !s.detached && s.logFile == nil && s.toVersion == "0001")
            #expect(try String(contentsOfFile: ws.path(".strata/.gitignore"), encoding: .utf8).contains("*"))
            let logs = try await ws.run(["job", "logs"])
            #expect(logs.exitCode == 1 && logs.stderr.contains("foreground"), "\(logs)")

            try ws.write("conf/strata.toml", "dir = \"../migrations\"\ndatabase = \"sqlite:../strata.sqlite\"\nstate_dir = \"run-state\"\n")
            #expect(try await ws.run(["up", "--config", "conf/strata.toml"]).exitCode == 0)
            #expect(try StatusFile(path: ws.path("conf/run-state/default.json")).read()?.toVersion == "0002")
            let viaConfig = try await ws.run(["job", "status", "--config", "conf/strata.toml", "--json"])
            #expect(try jsonObject(viaConfig.stdout)["to_version"] as? String == "0002", "\(viaConfig)")

            let env = ["STRATA_STATE_DIR": ws.path("elsewhere")]
            #expect(try await ws.run(["down"], environment: env).exitCode == 0)
            #expect(try StatusFile(path: ws.path("elsewhere/default.json")).read()?.applied.map(\.direction) == ["down"])
            let viaEnv = try await ws.run(["job", "status"], environment: env)
            #expect(viaEnv.stdout.contains("completed (exit 0)") && viaEnv.stdout.contains("foreground"), "\(viaEnv)")
        }
    }

    @Test("the status file is valid JSON at every read during a detached run of 150 migrations")
    func statusAlwaysValid() async throws {
        try await CLIWorkspace.with { ws in
            defer { ws.killRunner() }
            for i in 1...150 { try ws.migration(String(format: "%04d_t%d.sql", i, i), up: "CREATE TABLE t\(i) (id integer);") }
            #expect(try await ws.run(["up", "--detach"]).exitCode == 0)
            var reads = 0
            var invalid: [String] = []
            var states = Set<String>()
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                guard let data = FileManager.default.contents(atPath: ws.statusFilePath()) else { invalid.append("(missing)"); break }
                reads += 1
                guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], object.keys.sorted() == RunStatus.keys else {
                    invalid.append(String(decoding: data.prefix(120), as: UTF8.self))
                    continue
                }
                let state = object["status"] as? String ?? "?"
                states.insert(state)
                if state != "running" { break }
            }
            #expect(invalid.isEmpty, "\(invalid.count) of \(reads) reads were not a whole status file: \(invalid.prefix(3))")
            #expect(states.contains("completed"), "states seen: \(states)")
            #expect(try ws.runStatus()?.applied.count == 150)
        }
    }

    @Test("render systemd writes the unit, env file and deploy script; refuses to overwrite without --force")
    func renderSystemd() async throws {
        try await CLIWorkspace.with { ws in
            let r = try await ws.run(["render", "systemd", "--output", "out", "--binary", "/opt/strata/bin/strata", "--workdir", "/srv/shop"])
            #expect(r.exitCode == 0, "\(r)")
            let unit = try ws.read("out/strata-migrate@.service")
            #expect(unit.contains("ExecStart=/opt/strata/bin/strata up --env %i") && unit.contains("WorkingDirectory=/srv/shop"))
            #expect(ws.exists("out/strata-env.example") && ws.exists("out/strata-deploy"))
            #expect(try await ws.run(["render", "systemd", "--output", "out"]).exitCode == 1)
            #expect(try await ws.run(["render", "systemd", "--output", "out", "--force", "--json"]).exitCode == 0)
            #expect(try await ws.run(["render", "systemd", "--binary", "strata"]).exitCode == 2)
        }
    }

    /// The rendered deploy script, with `systemctl` standing in for systemd: starting the unit runs
    /// `strata up --env ENV` in its own session, as systemd would.
    func deploy(_ ws: CLIWorkspace, migrationFails: Bool) async throws -> (result: CLIResult, systemctl: [String]) {
        try ws.migration("0001_users.sql", up: "CREATE TABLE users (id integer);")
        if migrationFails { try ws.migration("0002_bad.sql", up: "INSERT INTO nope VALUES (1);") }
        try ws.write("strata.toml", "[environments.staging]\n")
        #expect(try await ws.run(["render", "systemd", "--output", "deploy", "--app-service", "shop@%i.service"]).exitCode == 0)
        let bin = ws.path("fakebin")
        try ws.write("fakebin/systemctl", """
            #!/bin/bash
            echo "$*" >> '\(ws.path("systemctl.log"))'
            if [ "$1" = start ] && [ "$2" = --no-block ]; then
                inst="${3#strata-migrate@}"; inst="${inst%.service}"
                setsid '\(TestEnvironment.strataBinary)' up --env "$inst" >/dev/null 2>&1 < /dev/null &
            fi
            exit 0
            """)
        try ws.write("fakebin/journalctl", "#!/bin/bash\nexit 0\n")
        for f in ["fakebin/systemctl", "fakebin/journalctl", "deploy/strata-deploy"] {
            chmod(ws.path(f), 0o755)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [ws.path("deploy/strata-deploy"), "staging"]
        p.currentDirectoryURL = ws.directory
        var env = ws.environment
        env["PATH"] = bin + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["STRATA"] = TestEnvironment.strataBinary
        env["STRATA_STATE_DIR"] = ws.path(".strata/state")
        env["STRATA_LOG_DIR"] = ws.path(".strata/logs")
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        let started = ContinuousClock.now
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let result = CLIResult(arguments: ["strata-deploy", "staging"], exitCode: p.terminationStatus, stdout: text, stderr: "", elapsed: .now - started)
        let calls = ((try? ws.read("systemctl.log")) ?? "").split(separator: "\n").map(String.init)
        return (result, calls)
    }

    @Test("strata-deploy: stops the app, starts the unit, waits, and starts the app again after a completed migration")
    func deployScriptSuccess() async throws {
        try await CLIWorkspace.with { ws in
            defer { ws.killRunner("staging") }
            let (r, calls) = try await deploy(ws, migrationFails: false)
            #expect(r.exitCode == 0, "\(r)")
            #expect(calls == ["stop shop@staging.service", "reset-failed strata-migrate@staging.service",
                              "start --no-block strata-migrate@staging.service", "start shop@staging.service"], "\(calls)")
            #expect(try ws.runStatus("staging")?.status == .completed)
        }
    }

    @Test("strata-deploy: a failed migration leaves the app stopped and exits with job wait's code")
    func deployScriptFailure() async throws {
        try await CLIWorkspace.with { ws in
            defer { ws.killRunner("staging") }
            let (r, calls) = try await deploy(ws, migrationFails: true)
            #expect(r.exitCode == 1, "\(r)")
            #expect(r.stdout.contains("no such table: nope") && r.stdout.contains("stays stopped"), "\(r)")
            #expect(!calls.contains("start shop@staging.service"), "\(calls)")
        }
    }
}
