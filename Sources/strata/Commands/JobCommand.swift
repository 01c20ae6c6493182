import ArgumentParser
import StrataKit

/// `strata job …`: detached runs and their status files.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Detached runs: start one, show its status, wait for it, read its log.",
        discussion: """
        A run started with `strata up --detach` (or `strata job start -- …`) goes on when the terminal or SSH \
        session goes away. Each environment has a status file, <state_dir>/<env>.json, and each detached run a log, \
        <log_dir>/migration-<env>-<YYYYMMDD_HHMMSS>.log. Foreground up/down/redo runs record the status file too.
        """,
        subcommands: [JobStartCommand.self, JobStatusCommand.self, JobWaitCommand.self, JobLogsCommand.self]
    )
}
