import ArgumentParser
import Foundation
import StrataKit

struct RenderGitHubActionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "github-actions",
        abstract: "Write a GitHub Actions workflow that migrates, checks, and only then deploys.",
        discussion: """
        The `migrate` job runs in the strata image: `strata preflight`, `strata up`, then `strata check` (the schema \
        is at head), with DATABASE_URL from a repository or environment secret. The `deploy` job has `needs: migrate`, \
        so a failed migration stops the deploy. Runs of the workflow never overlap and are never cancelled halfway. \
        Settings not given as flags come from strata.toml's [render] table (keys as the flags, with _ for -; \
        the secret's key is github_secret).
        """
    )

    @Option(help: ArgumentHelp("Write migrate-and-deploy.yml into this directory (e.g. .github/workflows) instead of printing it.", valueName: "dir"))
    var output: String?

    @Flag(help: "Replace a file that already exists.")
    var force = false

    @Option(help: "The branch whose pushes run the workflow (default main).")
    var branch: String?

    @Option(help: "The GitHub environment the jobs run in (default production; \"\" for none).")
    var environment: String?

    @Option(help: "The secret holding the database URL (default DATABASE_URL).")
    var secret: String?

    @Option(help: "The image the migrate job runs in (default strata:latest).")
    var image: String?

    @Option(name: .customLong("working-directory"), help: ArgumentHelp("Where strata.toml and the migrations are in the repository (default .).", valueName: "dir"))
    var workingDirectory: String?

    @Option(name: .customLong("deploy-command"), help: ArgumentHelp("The deploy job's command (default ./deploy.sh).", valueName: "command"))
    var deployCommand: String?

    @Option(name: .customLong("runs-on"), help: ArgumentHelp("The runner (default ubuntu-latest).", valueName: "label"))
    var runsOn: String?

    @Option(name: .customLong("timeout-minutes"), help: ArgumentHelp("The migrate job's time limit (default 60).", valueName: "n"))
    var timeoutMinutes: Int?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let next = "Commit it under .github/workflows and add the \(secret ?? "DATABASE_URL") secret."
        try RenderSupport.run(global, output: output, force: force, next: next) { s in
            var o = GitHubActionsOptions()
            o.branch = try RenderSupport.pick(branch, s.string("branch"), o.branch)
            o.environment = try RenderSupport.pick(environment, s.string("environment"), o.environment)
            o.secret = try RenderSupport.pick(secret, s.string("github_secret"), o.secret)
            o.image = try RenderSupport.pick(image, s.string("image"), o.image)
            o.workingDirectory = try RenderSupport.pick(workingDirectory, s.string("working_directory"), o.workingDirectory)
            o.deployCommand = try RenderSupport.pick(deployCommand, s.string("deploy_command"), o.deployCommand)
            o.runsOn = try RenderSupport.pick(runsOn, s.string("runs_on"), o.runsOn)
            o.timeoutMinutes = try RenderSupport.pick(timeoutMinutes, s.int("timeout_minutes"), o.timeoutMinutes)
            o.strataVersion = StrataVersion.current
            return try GitHubActionsRenderer.render(o)
        }
    }
}
