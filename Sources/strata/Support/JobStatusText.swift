import Foundation
import StrataKit

/// How `strata job status` and `job wait` show a status.
enum JobStatusText {
    /// `status --json`: the status file's fields plus `status_file` and `log_tail`.
    struct JSON: Encodable {
        var status: RunStatus
        var statusFile: String
        var logTail: [String]

        enum Keys: String, CodingKey {
            case statusFile = "status_file"
            case logTail = "log_tail"
        }

        func encode(to encoder: any Encoder) throws {
            try status.encode(to: encoder)
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(statusFile, forKey: .statusFile)
            try c.encode(logTail, forKey: .logTail)
        }
    }

    static func elapsed(since date: Date, now: Date = Date()) -> String {
        DurationText.format(.seconds(max(0, Int64(now.timeIntervalSince(date)))))
    }

    /// `2 of 5 done` / `2 done`.
    static func progress(_ s: RunStatus) -> String {
        "\(s.applied.count)\(s.planned.map { " of \($0)" } ?? "") done"
    }

    static func headline(_ s: RunStatus) -> String {
        switch s.status {
        case .running: "running"
        case .completed: "completed (exit 0)"
        case .failed: "failed (exit \(s.exitCode.map(String.init) ?? "?"))"
        case .crashed: "crashed"
        }
    }

    static func lines(_ s: RunStatus, statusFile: String, out: Output) -> [String] {
        let color: Output.Color = switch s.status {
        case .running: .blue
        case .completed: .green
        case .failed, .crashed: .red
        }
        var lines = ["\(s.environment): \(out.paint(headline(s), color))"]
        func row(_ label: String, _ value: String) { lines.append("  " + label.padding(toLength: 12, withPad: " ", startingAt: 0) + value) }
        row("run", "\(s.runID) (pid \(s.pid) on \(s.host), \(s.detached ? "detached" : "foreground"), by \(s.user))")
        row("command", s.command)
        if let db = s.database { row("database", db) }
        row("started", "\(Timestamps.format(s.startedAt))\(s.status == .running ? " (\(elapsed(since: s.startedAt)) ago)" : "")")
        row("updated", "\(Timestamps.format(s.updatedAt)) (\(elapsed(since: s.updatedAt)) ago)")
        if s.status != .running { row("finished", Timestamps.format(s.timestamp)) }
        if let current = s.currentMigration { row("migration", "\(current) (\(progress(s)))") }
        else if s.planned != nil { row("progress", progress(s)) }
        if !s.applied.isEmpty { row("applied", s.applied.map { "\($0.version)_\($0.name)" }.joined(separator: ", ")) }
        if s.fromVersion != nil || s.toVersion != nil { row("versions", "\(s.fromVersion ?? "none") → \(s.toVersion ?? "none")") }
        let message = s.message.split(separator: "\n", omittingEmptySubsequences: false)
        row("message", message.first.map(String.init) ?? "")
        for more in message.dropFirst() { lines.append("              " + more) }
        row("exit code", s.exitCode.map(String.init) ?? "-")
        row("log", s.logFile ?? "none (a foreground run: its output went to its terminal, or to the journal under systemd)")
        row("status file", statusFile)
        return lines
    }
}
