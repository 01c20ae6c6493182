import Foundation
import StrataKit
import StrataTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The acceptance checks of detached runs on PostgreSQL: a run that survives the hang-up of the session that
/// started it, a `kill -9` noticed as `crashed` with nothing half-applied, and a status file that is whole JSON
/// at every instant and never holds the password.
@Suite("CLI on PostgreSQL: detached runs", .enabled(if: TestEnvironment.postgresEnabled))
struct JobCommandPostgresTests {
    /// 0001 sleeps `seconds` between two statements; 0002 is quick.
    static func slowMigrations(_ ws: CLIWorkspace, seconds: Int) throws {
        try ws.migration("0001_slow.sql", up: """
            CREATE TABLE a (id integer);
            INSERT INTO a VALUES (1);
            SELECT pg_sleep(\(seconds));
            CREATE TABLE b (id integer);
            """)
        try ws.migration("0002_quick.sql", up: "CREATE TABLE c (id integer);")
    }

    /// Field 6 of /proc/<pid>/stat: the session id.
    static func sessionID(_ pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 3 ? Int32(fields[3]) : nil
    }

    /// Whether `sig` is in the process's ignored-signals mask.
    static func ignores(_ pid: Int32, _ sig: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
              let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
        return mask & (1 << UInt64(sig - 1)) != 0
    }

    @Test("started from a setsid shell whose whole session then gets SIGHUP: the run completes, status completed/0, the log holds every line")
    func survivesHangUp() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                defer { ws.killRunner() }
                try Self.slowMigrations(ws, seconds: 5)
                let script = """
                    cd '\(ws.directory.path)' || exit 1
                    echo $$ > session.pid
                    '\(TestEnvironment.strataBinary)' up --detach -d '\(db.url)' > launch.out 2>&1
                    echo $? > launch.rc
                    sleep 300
                    """
                // posix_spawn, not Foundation's Process: a Process waits for descriptors its grandchildren inherit (the `sleep 300`).
                let words = ["/usr/bin/setsid", "--fork", "bash", "-c", script]
                var argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
                var envp: [UnsafeMutablePointer<CChar>?] = ws.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
                defer { for p in argv + envp { free(p) } }
                // Default signal handling in the session, as in an SSH login (the test runner may ignore SIGHUP).
                var attr = posix_spawnattr_t()
                posix_spawnattr_init(&attr)
                defer { posix_spawnattr_destroy(&attr) }
                var defaults = sigset_t()
                sigemptyset(&defaults)
                for sig in [SIGHUP, SIGINT, SIGTERM] { sigaddset(&defaults, sig) }
                posix_spawnattr_setsigdefault(&attr, &defaults)
                var noMask = sigset_t()
                sigemptyset(&noMask)
                posix_spawnattr_setsigmask(&attr, &noMask)
                posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
                var setsid: pid_t = 0
                let spawned = posix_spawn(&setsid, "/usr/bin/setsid", nil, &attr, &argv, &envp)
                try #require(spawned == 0)
                var setsidStatus: Int32 = 0
                waitpid(setsid, &setsidStatus, 0)
                let launched = await eventually(within: .seconds(20)) { ws.exists("launch.rc") }
                try #require(launched, "the launcher did not finish: \((try? ws.read("launch.out")) ?? "")")
                let launchOutput = try ws.read("launch.out")
                #expect(try ws.read("launch.rc").trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(launchOutput)")
                let session = try #require(Int32(try ws.read("session.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
                let runner = try #require(try ws.runStatus()).pid
                let logNow = (try? ws.runLogLines()) ?? []
                #expect(ProcessProbe.isAlive(runner), "the runner is gone: \(launchOutput)\n\(logNow)")
                #expect(Self.sessionID(session) == session, "the shell is not a session leader")
                #expect(Self.sessionID(runner) == runner, "the runner is not in a session of its own")
                #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(runner)/fd/0")) == "/dev/null")
                #expect(Self.ignores(runner, SIGHUP), "the runner does not ignore SIGHUP")
                let sleeping = try await eventually(within: .seconds(20)) { try await db.isRunning("SELECT pg_sleep") }
                try #require(sleeping, "the migration never started")

                #expect(kill(-session, SIGHUP) == 0)
                let shellGone = await eventually(within: .seconds(5)) { !ProcessProbe.isAlive(session) }
                #expect(shellGone, "the session's shell survived SIGHUP")
                try await Task.sleep(for: .milliseconds(300))
                #expect(ProcessProbe.isAlive(runner), "the runner died with its old session")

                let wait = try await ws.run(["job", "wait", "--poll", "200ms"], limit: .seconds(90))
                #expect(wait.exitCode == 0, "\(wait)")
                let status = try #require(try ws.runStatus())
                #expect(status.status == .completed && status.exitCode == 0)
                #expect(try await db.appliedVersions() == ["0001", "0002"])
                let lines = try ws.runLogLines()
                #expect(lines.allSatisfy(isTimestamped), "\(lines)")
                let text = lines.joined(separator: "\n")
                for expected in ["command: strata up -d", "runner started", "Applying 2 migrations", "✓ [1/2] up   0001 slow",
                                 "✓ [2/2] up   0002 quick", "Done: 2 steps", "completed (exit 0)"] {
                    #expect(text.contains(expected), "log lacks \(expected):\n\(text)")
                }
            }
        }
    }

    @Test("kill -9 of the runner mid-migration: crashed within 35 s, nothing half-applied, and a new run completes it")
    func killNine() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                defer { ws.killRunner() }
                try Self.slowMigrations(ws, seconds: 6)
                #expect(try await ws.run(["up", "--detach", "-d", db.url]).exitCode == 0)
                // Mid-migration: the server runs its pg_sleep, and the status file (written at most 4 times a second) names it.
                let sleeping = try await eventually(within: .seconds(20)) {
                    try await db.isRunning("SELECT pg_sleep") && (try? ws.runStatus())?.currentMigration == "0001_slow"
                }
                let logSoFar = (try? ws.runLogLines()) ?? []
                try #require(sleeping, "the migration never started: \(logSoFar)")
                let runner = try #require(try ws.runStatus()).pid
                #expect(kill(runner, SIGKILL) == 0)
                let killed = ContinuousClock.now

                var seen: [String: Any] = [:]
                let crashed = try await eventually(within: .seconds(35)) {
                    let r = try await ws.run(["job", "status", "--json"])
                    seen = (try? jsonObject(r.stdout)) ?? [:]
                    return seen["status"] as? String == "crashed"
                }
                #expect(crashed, "job status still says \(seen["status"] ?? "?") \(ContinuousClock.now - killed) after kill -9")
                #expect(try ws.runStatus()?.status == .crashed, "the crash was not written to the status file")
                #expect(try await db.appliedVersions() == [])
                #expect(!(try await db.relationExists("a")), "table a of the killed migration is visible")
                #expect(!(try await db.relationExists("b")))

                let wait = try await ws.run(["job", "wait"])
                #expect(wait.exitCode == 11, "\(wait)")
                #expect(wait.stderr.contains("0001_slow") && wait.stderr.contains("is gone"), "\(wait)")

                #expect(try await ws.run(["up", "--detach", "-d", db.url]).exitCode == 0)
                let again = try await ws.run(["job", "wait", "--poll", "200ms", "--timeout", "2m"], limit: .seconds(150))
                #expect(again.exitCode == 0, "\(again)")
                #expect(try await db.appliedVersions() == ["0001", "0002"])
                #expect(try await db.scalar("SELECT count(*) FROM a") == "1")
            }
        }
    }

    @Test("read in a tight loop during a run (heartbeats included), the status file is always whole JSON without the password")
    func statusFileWholeAndSecretFree() async throws {
        try await CLIWorkspace.with { ws in
            try await CLITestDatabase.with { db in
                defer { ws.killRunner() }
                try Self.slowMigrations(ws, seconds: 6)
                for i in 3...30 { try ws.migration(String(format: "%04d_t%d.sql", i, i), up: "CREATE TABLE t\(i) (id integer);") }
                let password = db.password
                try #require(password.count >= 3)
                let launch = try await ws.run(["up", "--detach", "-d", db.url])
                #expect(launch.exitCode == 0, "\(launch)")
                #expect(!launch.output.contains(password))
                var reads = 0
                var problems: [String] = []
                var heartbeats = Set<String>()
                var final = ""
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    guard let data = FileManager.default.contents(atPath: ws.statusFilePath()) else { problems.append("missing"); break }
                    reads += 1
                    let text = String(decoding: data, as: UTF8.self)
                    if text.contains(password) { problems.append("password in: \(text)"); break }
                    guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], object.keys.sorted() == RunStatus.keys else {
                        problems.append(String(text.prefix(120)))
                        continue
                    }
                    if let updated = object["updated_at"] as? String, object["current_migration"] as? String == "0001_slow" { heartbeats.insert(updated) }
                    final = object["status"] as? String ?? "?"
                    if final != "running" { break }
                }
                #expect(problems.isEmpty, "\(problems.count) bad reads of \(reads): \(problems.prefix(3))")
                #expect(final == "completed", "last status seen: \(final)")
                #expect(heartbeats.count >= 2, "no heartbeat was seen during the 6 s migration: \(heartbeats)")
                #expect(reads > 100)
                let status = try #require(try ws.runStatus())
                #expect(status.command.contains("***") && status.applied.count == 30)
                let log = try #require(status.logFile)
                let logText = try String(contentsOfFile: log, encoding: .utf8)
                #expect(!logText.contains(password), "the log holds the password")
                for path in [ws.statusFilePath(), log] {
                    let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
                    #expect(mode == 0o640, "\(path): mode \(String(mode ?? 0, radix: 8))")
                }
            }
        }
    }
}
