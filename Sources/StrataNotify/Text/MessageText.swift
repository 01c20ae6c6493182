import Foundation
import StrataCore

/// The words every channel shares: subjects, headlines, the Sentry message, formatted values.
public enum MessageText {
    /// `[STAGING] ✓ SOAR Database Migration COMPLETED - 2026-01-31` (no prefix in production).
    public static func subject(_ f: RunFacts) -> String {
        let prefix = f.isProduction ? "" : "[\(f.environment.uppercased())] "
        let test = f.isTest ? "[TEST] " : ""
        return "\(prefix)\(test)\(symbol(f.outcome)) \(f.project) Database Migration \(verb(f.outcome)) - \(day(f.timestamp))"
    }

    public static func symbol(_ e: NotifyEvent) -> String {
        switch e {
        case .success: "✓"
        case .failure: "✗"
        case .start: "▶"
        case .rollback: "↺"
        }
    }

    public static func verb(_ e: NotifyEvent) -> String {
        switch e {
        case .success: "COMPLETED"
        case .failure: "FAILED"
        case .start: "STARTED"
        case .rollback: "ROLLED BACK"
        }
    }

    /// The Sentry message, as the seed's users search for it.
    public static func sentryMessage(_ f: RunFacts) -> String {
        let env = f.environment
        switch f.outcome {
        case .success: return "Database migration completed successfully for \(env)"
        case .failure: return "Database migration failed for \(env) (error: \(firstLine(f.error ?? "unknown error", limit: 300)))"
        case .start: return "Database migration started for \(env)"
        case .rollback: return "Database migration rolled back for \(env)"
        }
    }

    /// One sentence for chat: `SOAR staging: migration completed — 2 applied, now at 0002 (1.2s)`.
    public static func headline(_ f: RunFacts) -> String {
        let now = f.toVersion.map { ", now at \($0)" } ?? ""
        let count = "\(f.migrations.count) migration\(f.migrations.count == 1 ? "" : "s")"
        if f.isTest { return "\(f.project) \(f.environment): test notification from strata (no migration ran)" }
        switch f.outcome {
        case .success: return "\(f.project) \(f.environment): migration completed — \(count) applied\(now) (\(duration(f.durationMs)))"
        case .failure: return "\(f.project) \(f.environment): migration FAILED — \(firstLine(f.error ?? "unknown error", limit: 200))"
        case .start: return "\(f.project) \(f.environment): migration started\(f.command.map { " (\($0))" } ?? "")"
        case .rollback: return "\(f.project) \(f.environment): \(count) rolled back\(now) (\(duration(f.durationMs)))"
        }
    }

    public static func day(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash))
    }

    /// `2026-01-31 14:05:01 UTC`.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).dateTimeSeparator(.space).time(includingFractionalSeconds: false).timeSeparator(.colon)) + " UTC"
    }

    public static func duration(_ ms: Int64) -> String { DurationText.format(.milliseconds(ms)) }

    static func firstLine(_ text: String, limit: Int) -> String {
        let line = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? text
        return line.count > limit ? String(line.prefix(limit)) + "…" : line
    }

    /// The facts as a flat dictionary for the mustache templates.
    static func templateContext(_ f: RunFacts) -> [String: Any] {
        var c: [String: Any] = [
            "subject": subject(f), "headline": headline(f), "project": f.project, "environment": f.environment,
            "host": f.host, "user": f.user, "duration": duration(f.durationMs), "timestamp": timestamp(f.timestamp),
            "run_id": f.runID, "strata_version": f.strataVersion, "outcome": f.outcome.rawValue, "verb": verb(f.outcome),
            "symbol": symbol(f.outcome), "color": color(f.outcome),
            "success": f.outcome == .success, "failure": f.outcome == .failure, "start": f.outcome == .start, "rollback": f.outcome == .rollback,
            "is_test": f.isTest, "has_migrations": !f.migrations.isEmpty, "migration_count": f.migrations.count,
            "migrations": f.migrations.map { ["version": $0.version, "name": $0.name, "direction": $0.direction, "duration": duration($0.durationMs)] as [String: Any] },
        ]
        if let v = f.database { c["database"] = v }
        if let v = f.command { c["command"] = v }
        if let v = f.fromVersion { c["from_version"] = v }
        if let v = f.toVersion { c["to_version"] = v }
        if let v = f.error { c["error"] = v }
        if let v = f.outputExcerpt { c["output"] = v }
        return c
    }

    /// The colour of the outcome (Slack attachment, HTML header).
    public static func color(_ e: NotifyEvent) -> String {
        switch e {
        case .success: "#2eb886"
        case .failure: "#d50200"
        case .start: "#439fe0"
        case .rollback: "#daa038"
        }
    }
}
