import ArgumentParser
import StrataKit

/// The root `strata` command.
struct StrataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Safe database schema migrations for PostgreSQL and SQLite.",
        discussion: """
        Exit codes: 0 ok, 1 failure, 2 bad usage or configuration, 3 database unreachable, \
        4 lock not acquired, 5 validation failed, 6 pending migrations (check), 124 --timeout reached, 130/143 interrupted.
        """,
        version: StrataVersion.current,
        subcommands: [
            InitCommand.self, NewCommand.self, UpCommand.self, DownCommand.self, RedoCommand.self,
            StatusCommand.self, CurrentCommand.self, HistoryCommand.self, ValidateCommand.self, PingCommand.self,
            PreflightCommand.self, CheckCommand.self,
            BaselineCommand.self, MarkAppliedCommand.self, RepairCommand.self, HashCommand.self, AdoptCommand.self, ConvertCommand.self, SquashCommand.self,
            BackupCommand.self, BackupsCommand.self, RestoreCommand.self,
            NotifyCommand.self,
            JobCommand.self, RenderCommand.self,
        ]
    )

    /// Second-level command names (for moving global options written first).
    static let nestedNames: Set<String> = ["test", "start", "status", "wait", "logs", "systemd", "k8s", "compose", "github-actions"]
}
