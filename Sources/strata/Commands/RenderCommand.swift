import ArgumentParser
import StrataKit

/// `strata render …`: service-manager files for running migrations on a server.
struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Write service-manager files that run Strata migrations on a server.",
        subcommands: [RenderSystemdCommand.self, RenderK8sCommand.self, RenderComposeCommand.self, RenderGitHubActionsCommand.self]
    )
}
