import Foundation
import StrataCore

/// Everything a safe run did, written as text and JSON to the report directory and printed by `--json`.
public struct SafetyReport: Sendable, Codable {
    /// How the run ended.
    public enum Outcome: String, Sendable, Codable {
        /// All stages passed; the migrations are applied.
        case ok
        /// Nothing was pending.
        case nothing
        /// The rehearsal failed; the real database was not touched.
        case rehearsalFailed = "rehearsal_failed"
        /// Apply, validation or the timeout failed, and the database was put back as it was (down sections or backup restore).
        case rolledBack = "rolled_back"
        /// Apply, validation or the timeout failed, and the automatic rollback did not complete.
        case rollbackFailed = "rollback_failed"
        /// A stage before any change failed (backup, lock, history check); the database was not changed.
        case failed
        /// Stopped by SIGINT/SIGTERM; the running migration was rolled back, earlier ones of this run stay applied.
        case interrupted
    }

    public struct Backup: Sendable, Codable {
        public var path: String
        public var sizeBytes: Int64
        public var sha256: String
        public var durationMs: Int64
        public var tool: String
        enum CodingKeys: String, CodingKey { case path, sizeBytes = "size_bytes", sha256, durationMs = "duration_ms", tool }
    }

    public struct Rehearsal: Sendable, Codable {
        public var copy: String
        public var method: String
        public var copyDurationMs: Int64
        public var ok: Bool
        public var durationMs: Int64
        public var steps: [RunReport.Step]
        public var error: String?
        public var validation: ValidationResult?
        public var staleCopiesDropped: [String]
        enum CodingKeys: String, CodingKey {
            case copy, method, copyDurationMs = "copy_duration_ms", ok, durationMs = "duration_ms", steps, error, validation
            case staleCopiesDropped = "stale_copies_dropped"
        }
    }

    public struct Rollback: Sendable, Codable {
        /// `transaction` (nothing of the run stayed applied), `down` (down sections) or `restore` (backup restored).
        public var method: String
        public var ok: Bool
        public var reverted: [String]
        public var durationMs: Int64
        public var error: String?
        public var validation: ValidationResult?
        public var attempts: [String]
        enum CodingKeys: String, CodingKey { case method, ok, reverted, durationMs = "duration_ms", error, validation, attempts }
    }

    public struct Stage: Sendable, Codable {
        public var stage: SafetyStage
        public var ok: Bool
        public var durationMs: Int64
        public var note: String?
        enum CodingKeys: String, CodingKey { case stage, ok, durationMs = "duration_ms", note }
    }

    public var runID: String
    public var environment: String
    public var database: String
    public var host: String
    public var user: String
    public var strataVersion: String
    public var startedAt: Date
    public var finishedAt: Date
    public var durationMs: Int64
    public var outcome: Outcome
    public var safety: Bool
    public var force: Bool
    public var fromVersion: String?
    public var toVersion: String?
    public var pending: [String]
    public var migrations: [RunReport.Step]
    public var backup: Backup?
    public var rehearsal: Rehearsal?
    public var validation: ValidationResult?
    public var rollback: Rollback?
    public var stages: [Stage]
    public var error: String?
    public var warnings: [String]
    public var reportFiles: [String]
    /// What the notification channels did with this run (filled by the caller after delivery).
    public var notifications: [Notification] = []
    /// The error that ended a failed run, for exit codes (not written to the report).
    public var cause: (any Error)? = nil

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", environment, database, host, user, strataVersion = "strata_version", startedAt = "started_at"
        case finishedAt = "finished_at", durationMs = "duration_ms", outcome, safety, force, fromVersion = "from_version"
        case toVersion = "to_version", pending, migrations, backup, rehearsal, validation, rollback, stages, error, warnings
        case reportFiles = "report_files", notifications
    }

    /// One notification delivery, as recorded in the report.
    public struct Notification: Sendable, Codable, Hashable {
        public var channel: String
        public var event: String
        public var status: String
        public var attempts: Int
        public var target: String
        public var detail: String?
        public init(channel: String, event: String, status: String, attempts: Int, target: String, detail: String?) {
            self.channel = channel
            self.event = event
            self.status = status
            self.attempts = attempts
            self.target = target
            self.detail = detail
        }
    }

    /// Whether the database ended as it was before the run (nothing applied, or everything undone).
    public var databaseUnchanged: Bool {
        switch outcome {
        case .nothing, .rehearsalFailed, .rolledBack, .failed: true
        case .ok, .rollbackFailed, .interrupted: false
        }
    }
}

extension SafetyReport {
    /// The report as people read it.
    public var text: String {
        func ms(_ v: Int64) -> String { DurationText.format(.milliseconds(v)) }
        func stamp(_ d: Date) -> String { d.formatted(.iso8601) }
        var lines: [String] = []
        lines.append("Strata migration report")
        lines.append("=======================")
        lines.append("run:          \(runID)")
        lines.append("outcome:      \(outcome.rawValue)")
        lines.append("environment:  \(environment)")
        lines.append("database:     \(database)")
        lines.append("host / user:  \(host) / \(user)")
        lines.append("strata:       \(strataVersion)")
        lines.append("started:      \(stamp(startedAt))")
        lines.append("finished:     \(stamp(finishedAt)) (\(ms(durationMs)))")
        lines.append("versions:     \(fromVersion ?? "none") -> \(toVersion ?? "none")")
        lines.append("safety:       \(safety ? "on" : "off")\(force ? " (--force)" : "")")
        if !pending.isEmpty { lines.append("pending:      \(pending.joined(separator: ", "))") }
        lines.append("")
        lines.append("Stages")
        for s in stages { lines.append("  \(s.ok ? "ok  " : "FAIL") \(s.stage.title) (\(ms(s.durationMs)))\(s.note.map { ": \($0)" } ?? "")") }
        if let b = backup {
            lines.append("")
            lines.append("Backup")
            lines.append("  file:     \(b.path)")
            lines.append("  size:     \(b.sizeBytes) bytes, sha256 \(b.sha256)")
            lines.append("  took:     \(ms(b.durationMs)) with \(b.tool)")
        }
        if let r = rehearsal {
            lines.append("")
            lines.append("Rehearsal on a copy")
            lines.append("  copy:     \(r.copy) (\(r.method), \(ms(r.copyDurationMs))); dropped afterwards")
            if !r.staleCopiesDropped.isEmpty { lines.append("  stale copies dropped first: \(r.staleCopiesDropped.joined(separator: ", "))") }
            lines.append("  result:   \(r.ok ? "passed" : "FAILED") in \(ms(r.durationMs)), \(r.steps.count) migration(s) applied to the copy")
            if let e = r.error { lines.append("  error:    " + e.replacingOccurrences(of: "\n", with: "\n            ")) }
            if let v = r.validation, !v.ok { lines.append("  validation failures:\n" + v.failureSummary) }
        }
        if !migrations.isEmpty {
            lines.append("")
            lines.append("Migrations")
            for m in migrations { lines.append("  \(m.direction.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)) \(m.version.digits) \(m.name) (\(ms(m.durationMs)), \(m.statements) statement(s))") }
        }
        if let v = validation {
            lines.append("")
            lines.append("Validation (\(v.ok ? "passed" : "FAILED"), \(v.checks.count) check(s))")
            for c in v.checks { lines.append("  \(c.ok ? "ok  " : "FAIL") \(c.kind) \(c.subject)\(c.detail.map { ": \($0)" } ?? "")") }
        }
        if let r = rollback {
            lines.append("")
            lines.append("Automatic rollback (\(r.ok ? "completed" : "FAILED"), by \(r.method), \(ms(r.durationMs)))")
            for a in r.attempts { lines.append("  - \(a)") }
            if !r.reverted.isEmpty { lines.append("  reverted: \(r.reverted.joined(separator: ", "))") }
            if let e = r.error { lines.append("  error: \(e)") }
        }
        if let e = error {
            lines.append("")
            lines.append("Error")
            lines.append("  " + e.replacingOccurrences(of: "\n", with: "\n  "))
        }
        if !notifications.isEmpty {
            lines.append("")
            lines.append("Notifications")
            for n in notifications { lines.append("  \(n.status == "sent" ? "ok  " : n.status.uppercased()) \(n.channel) \(n.event) → \(n.target) (\(n.attempts) attempt(s))\(n.detail.map { ": \($0)" } ?? "")") }
        }
        if !warnings.isEmpty {
            lines.append("")
            lines.append("Warnings")
            for w in warnings { lines.append("  - \(w)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `migration-report-<env>-<stamp>.txt` and `.json` (and the run's log as `migration-<env>-<stamp>.log`)
    /// into `directory`, mode 0640; returns their paths. Everything passes through `redactor`.
    public mutating func write(to directory: String, log: [String], redactor: Redactor) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: startedAt)
        let stamp = String(format: "%04d%02d%02d_%02d%02d%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        let safeEnv = String(environment.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        let base = URL(fileURLWithPath: directory)
        let text = base.appendingPathComponent("migration-report-\(safeEnv)-\(stamp)-\(runID.suffix(8)).txt").path
        let json = base.appendingPathComponent("migration-report-\(safeEnv)-\(stamp)-\(runID.suffix(8)).json").path
        let logPath = base.appendingPathComponent("migration-\(safeEnv)-\(stamp)-\(runID.suffix(8)).log").path
        reportFiles = [text, json, logPath]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let jsonText = String(decoding: try encoder.encode(self), as: UTF8.self)
        for (path, body) in [(text, self.text), (json, jsonText + "\n"), (logPath, log.joined(separator: "\n") + "\n")] {
            guard FileManager.default.createFile(atPath: path, contents: Data(redactor.redact(body).utf8), attributes: [.posixPermissions: 0o640]) else {
                throw SafetyError(stage: .report, message: "cannot write \(path)")
            }
        }
        return reportFiles
    }
}

/// Finding reports written by safe runs.
public enum SafetyReports {
    /// The JSON report of `runID` in `directory`, or nil.
    public static func find(runID: String, in directory: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasPrefix("migration-report-") && name.hasSuffix("-\(runID.suffix(8)).json") {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], object["run_id"] as? String == runID else { continue }
            return path
        }
        return nil
    }
}

extension SafetyReport {
    /// The run as the core engine reports one, for stages that take a ``RunReport`` (notifications, status files).
    /// A rolled-back or failed safe run is `failed`; its steps are the migrations applied before the failure.
    public var runReport: RunReport {
        let outcome: RunReport.Outcome = switch self.outcome {
        case .ok: .ok
        case .nothing: .nothing
        default: .failed
        }
        return RunReport(runID: runID, environment: environment, database: database, request: "up", outcome: outcome, startedAt: startedAt,
                         finishedAt: finishedAt, durationMs: durationMs, fromVersion: fromVersion.flatMap(MigrationVersion.init),
                         toVersion: toVersion.flatMap(MigrationVersion.init), steps: migrations, error: error)
    }
}
