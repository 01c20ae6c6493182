import Foundation
import StrataCore

/// Which moment of a run a notification is about; channels choose the events they receive.
public enum NotifyEvent: String, Sendable, Codable, CaseIterable, Hashable {
    /// Before a run starts.
    case start
    /// The run finished (also when there was nothing to apply).
    case success
    /// The run failed.
    case failure
    /// A `down` run reverted migrations (or a safety stage restored the database).
    case rollback

    /// What a channel receives when nothing is configured.
    public static let defaults: Set<NotifyEvent> = [.success, .failure]
}

/// Everything a notification says about a run. The CLI fills it from the ``RunReport`` or the error;
/// ``redacted(with:)`` removes secrets from every text field before any channel sees it.
///
/// ```swift
/// let facts = RunFacts(outcome: .success, environment: "staging", project: "SOAR", strataVersion: "0.1.0")
/// let results = await NotificationDispatcher(notifiers: settings.makeNotifiers()).deliver(facts)
/// ```
public struct RunFacts: Sendable, Codable, Hashable {
    /// A migration the run applied or reverted.
    public struct Step: Sendable, Codable, Hashable {
        public var version: String
        public var name: String
        /// `up` or `down`.
        public var direction: String
        public var durationMs: Int64

        public init(version: String, name: String, direction: String, durationMs: Int64) {
            self.version = version
            self.name = name
            self.direction = direction
            self.durationMs = durationMs
        }
    }

    public var outcome: NotifyEvent
    /// The environment's name (`production`, `staging`…); `default` when none was chosen.
    public var environment: String
    public var project: String
    public var host: String
    public var user: String
    /// The database as displayed (never with its password).
    public var database: String?
    /// What was asked: `up`, `up --to 0003`, `down --steps 1`, `redo`…
    public var command: String?
    public var fromVersion: String?
    public var toVersion: String?
    public var migrations: [Step]
    public var durationMs: Int64
    public var timestamp: Date
    /// The error, when the run failed.
    public var error: String?
    /// The last lines of the run's output (progress lines and the full error).
    public var outputExcerpt: String?
    public var runID: String
    public var strataVersion: String
    /// Set for `notify test` messages.
    public var isTest: Bool

    public init(outcome: NotifyEvent, environment: String, project: String, host: String = ProcessInfo.processInfo.hostName,
                user: String = RunFacts.currentUser(), database: String? = nil, command: String? = nil,
                fromVersion: String? = nil, toVersion: String? = nil, migrations: [Step] = [], durationMs: Int64 = 0,
                timestamp: Date = Date(), error: String? = nil, outputExcerpt: String? = nil, runID: String = UUID().uuidString.lowercased(),
                strataVersion: String, isTest: Bool = false) {
        self.outcome = outcome
        self.environment = environment
        self.project = project
        self.host = host
        self.user = user
        self.database = database
        self.command = command
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.migrations = migrations
        self.durationMs = durationMs
        self.timestamp = timestamp
        self.error = error
        self.outputExcerpt = outputExcerpt
        self.runID = runID
        self.strataVersion = strataVersion
        self.isTest = isTest
    }

    public static func currentUser() -> String {
        let env = ProcessInfo.processInfo.environment
        return env["USER"] ?? env["LOGNAME"] ?? NSUserName()
    }

    /// Production gets no subject prefix; every other environment is named in capitals (`[STAGING] `).
    public var isProduction: Bool {
        let e = environment.lowercased()
        return e == "production" || e == "default"
    }

    /// These facts with every free-text field passed through `redactor`.
    public func redacted(with redactor: Redactor) -> RunFacts {
        var copy = self
        copy.project = redactor.redact(project)
        copy.host = redactor.redact(host)
        copy.user = redactor.redact(user)
        copy.database = database.map(redactor.redact)
        copy.command = command.map(redactor.redact)
        copy.error = error.map(redactor.redact)
        copy.outputExcerpt = outputExcerpt.map(redactor.redact)
        copy.migrations = migrations.map { var s = $0; s.name = redactor.redact(s.name); return s }
        return copy
    }
}
