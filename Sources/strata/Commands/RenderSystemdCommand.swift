import ArgumentParser
import Foundation
import StrataKit

struct RenderSystemdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "systemd",
        abstract: "Write strata-migrate@.service, an example env file, and the strata-deploy script.",
        discussion: """
        The template unit runs `strata up --env %i` (Type=oneshot, no start timeout, a dedicated user, hardened) with \
        EnvironmentFile=/etc/strata/env-%i. strata-deploy ENV stops the app service, starts the unit, waits with \
        `strata job wait`, and starts the app again only when the migration completed.
        """
    )

    @Option(help: ArgumentHelp("Directory to write the files into.", valueName: "dir"))
    var output = "deploy/systemd"

    @Flag(help: "Replace files that already exist.")
    var force = false

    @Option(help: ArgumentHelp("The strata executable on the server.", valueName: "path"))
    var binary = SystemdOptions().binary

    @Option(help: "The dedicated user (and group) the migration runs as.")
    var user = SystemdOptions().user

    @Option(help: ArgumentHelp("The directory holding strata.toml and the migrations on the server (default: this directory).", valueName: "dir"))
    var workdir: String?

    @Option(name: .customLong("app-service"), help: ArgumentHelp("The application's unit, stopped while migrating; %i is the environment.", valueName: "unit"))
    var appService = SystemdOptions().appService

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("The status files' directory on the server.", valueName: "dir"))
    var stateDir = SystemdOptions().stateDirectory

    @Option(name: .customLong("log-dir"), help: ArgumentHelp("The run logs' directory on the server.", valueName: "dir"))
    var logDir = SystemdOptions().logDirectory

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        for (flag, value) in [("--binary", binary), ("--state-dir", stateDir), ("--log-dir", logDir)] + (workdir.map { [("--workdir", $0)] } ?? []) {
            guard value.hasPrefix("/") else { throw ValidationError("\(flag) \(value): must be an absolute path (it is a path on the server)") }
        }
        guard !user.isEmpty, user.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ValidationError("--user \(user): not a user name")
        }
    }

    func run() async throws {
        var options = SystemdOptions()
        options.binary = binary
        options.user = user
        options.group = user
        options.workingDirectory = workdir ?? FileManager.default.currentDirectoryPath
        options.appService = appService
        options.stateDirectory = stateDir
        options.logDirectory = logDir
        options.strataVersion = StrataVersion.current
        let rendered = options
        let out = Output(json: global.json, quiet: global.quiet, verbose: global.verbose, noColor: global.noColor, redactor: Redactor())
        do {
            let paths = try RenderedFile.write(SystemdRenderer.render(rendered), to: output, overwrite: force)
            if out.json {
                struct Body: Encodable { var files: [String] }
                out.emitJSON(Body(files: paths))
                return
            }
            out.line("Wrote:")
            for p in paths { out.line("  \(p)") }
            out.line("Install the unit in /etc/systemd/system, one env file per environment as \(options.environmentDirectory)/env-ENV, then run `strata-deploy ENV`; see the unit's header.")
        } catch {
            out.error("\(error)", code: .failure)
            throw ExitCode(StrataExit.failure.rawValue)
        }
    }
}
