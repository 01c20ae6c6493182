import Foundation
@testable import StrataDeploy
import StrataKit
import StrataTestSupport
import Testing

@Suite("systemd rendering")
struct SystemdRendererTests {
    static let analyze = "/usr/bin/systemd-analyze"
    static var hasAnalyze: Bool { FileManager.default.isExecutableFile(atPath: analyze) }

    /// Options whose ExecStart exists here (systemd-analyze checks that it is executable).
    func options() -> SystemdOptions {
        var o = SystemdOptions()
        o.binary = TestEnvironment.strataBinary
        o.workingDirectory = "/srv/shop"
        o.appService = "shop@%i.service"
        o.strataVersion = "9.9.9"
        return o
    }

    func file(_ name: String, _ o: SystemdOptions) throws -> String {
        try #require(SystemdRenderer.render(o).first { $0.name == name }).contents
    }

    /// `systemd-analyze verify` of the unit as instance `staging`: its exit status and the lines about it.
    func verify(_ unit: String, in dir: TempDirectory) throws -> (status: Int32, problems: [String]) {
        let path = dir.file("strata-migrate@staging.service")
        try Data(unit.utf8).write(to: URL(fileURLWithPath: path))
        let r = try runProgram(Self.analyze, ["verify", path])
        let problems = (r.stdout + r.stderr).split(separator: "\n").map(String.init).filter { $0.contains("strata-migrate") }
        return (r.status, problems)
    }

    @Test("the unit: oneshot, env file per instance, no start timeout, dedicated user, hardening, writable state and logs")
    func unitContents() throws {
        let unit = try file(SystemdRenderer.unitName, options())
        for line in ["Type=oneshot", "User=strata", "Group=strata", "EnvironmentFile=/etc/strata/env-%i", "TimeoutStartSec=infinity",
                     "ExecStart=\(TestEnvironment.strataBinary) up --env %i", "WorkingDirectory=/srv/shop", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "StateDirectory=strata", "LogsDirectory=strata",
                     "Environment=STRATA_STATE_DIR=/var/lib/strata STRATA_LOG_DIR=/var/log/strata NO_COLOR=1"] {
            #expect(unit.split(separator: "\n").contains(Substring(line)), "missing: \(line)")
        }
        #expect(!unit.contains("WantedBy"), "the unit is started on demand, never at boot")
    }

    @Test("state and log directories outside /var/lib and /var/log become ReadWritePaths")
    func customDirectories() throws {
        var o = options()
        o.stateDirectory = "/data/strata/state"
        o.logDirectory = "/data/strata/logs"
        let unit = try file(SystemdRenderer.unitName, o)
        #expect(unit.contains("ReadWritePaths=/data/strata/state\n") && unit.contains("ReadWritePaths=/data/strata/logs\n"))
        #expect(!unit.contains("StateDirectory="))
    }

    @Test("systemd-analyze verify accepts the unit without a warning", .enabled(if: hasAnalyze))
    func verifyAccepts() async throws {
        try await TempDirectory.with { dir in
            for workdir in ["/srv/shop", "/home/deploy/shop"] {
                var o = options()
                o.workingDirectory = workdir
                let r = try verify(try file(SystemdRenderer.unitName, o), in: dir)
                #expect(r.status == 0 && r.problems.isEmpty, "\(r)")
            }
        }
    }

    @Test("the check can fail: systemd-analyze reports a mistyped directive and a missing binary", .enabled(if: hasAnalyze))
    func verifyRejects() async throws {
        try await TempDirectory.with { dir in
            let unit = try file(SystemdRenderer.unitName, options())
            let typo = try verify(unit.replacingOccurrences(of: "Type=oneshot", with: "Type=oneshoot"), in: dir)
            #expect(!typo.problems.isEmpty)
            var o = options()
            o.binary = "/nonexistent/strata"
            let missing = try verify(try file(SystemdRenderer.unitName, o), in: dir)
            #expect(missing.status != 0)
        }
    }

    @Test("the deploy script is valid bash, waits with `strata job wait`, and restarts the app only on success")
    func deployScript() async throws {
        let script = try file(SystemdRenderer.deployScriptName, options())
        #expect(SystemdRenderer.render(options()).first { $0.name == SystemdRenderer.deployScriptName }?.mode == 0o755)
        try await TempDirectory.with { dir in
            let path = dir.file("strata-deploy")
            try Data(script.utf8).write(to: URL(fileURLWithPath: path))
            let r = try runProgram("/bin/bash", ["-n", path])
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(script.contains(#"APP_SERVICE="${APP_SERVICE:-shop@${ENVIRONMENT}.service}""#))
        #expect(script.contains("job wait \"$ENVIRONMENT\" --since \"$since\" --timeout \"$WAIT_TIMEOUT\" --poll 5s --progress 30s"))
        let stop = try #require(script.range(of: #"stop "$APP_SERVICE""#))
        let start = try #require(script.range(of: #"start --no-block "$UNIT""#))
        let wait = try #require(script.range(of: #""$STRATA" job wait"#))
        let restart = try #require(script.range(of: #"start "$APP_SERVICE""#))
        #expect(stop.lowerBound < start.lowerBound && start.lowerBound < wait.lowerBound && wait.lowerBound < restart.lowerBound)
    }

    @Test("the example env file holds DATABASE_URL and is not world-readable")
    func envFile() throws {
        let rendered = try #require(SystemdRenderer.render(options()).first { $0.name == SystemdRenderer.envFileName })
        #expect(rendered.contents.contains("DATABASE_URL="))
        #expect(rendered.mode == 0o640)
    }

    @Test("writing refuses to replace files unless asked")
    func write() async throws {
        try await TempDirectory.with { dir in
            let files = SystemdRenderer.render(options())
            let paths = try RenderedFile.write(files, to: dir.file("out"), overwrite: false)
            #expect(paths.count == 3)
            #expect(try fileMode(dir.file("out/strata-deploy")) == 0o755)
            #expect(throws: DeployError.self) { try RenderedFile.write(files, to: dir.file("out"), overwrite: false) }
            #expect(try RenderedFile.write(files, to: dir.file("out"), overwrite: true).count == 3)
        }
    }
}
