import Foundation

/// How `strata job wait` polls.
public struct WaitSettings: Sendable, Hashable {
    /// Give up after this long (the run goes on).
    public var timeout: Duration = .seconds(2 * 3600)
    /// How often the status file is read.
    public var poll: Duration = .seconds(5)
    /// How often a progress line is reported while the run goes on.
    public var progress: Duration = .seconds(30)
    /// Only a run started at or after this instant counts (a deploy script sets it just before starting the
    /// run, so the previous run's `completed` is not taken for the new one's).
    public var since: Date?
    /// With `since`: how long a new run may take to appear.
    public var startTimeout: Duration = .seconds(60)

    public init() {}
}

/// How waiting ended.
public enum WaitOutcome: Sendable, Hashable {
    case completed(RunStatus)
    case failed(RunStatus)
    case crashed(RunStatus)
    /// The run was still going at the timeout.
    case timedOut(RunStatus?)
    /// No run was recorded (or none started since `since` within `startTimeout`); the status found, if any.
    case notStarted(RunStatus?)
}

/// What a waiter reports while it waits.
public enum WaitEvent: Sendable {
    /// With `since`: no new run yet.
    case waitingForStart
    /// The run being waited for, when first seen.
    case found(RunStatus)
    /// Every `progress` interval while the run goes on; `elapsed` since the run started.
    case progress(RunStatus, elapsed: Duration)
}

/// Polls a status file until the run finishes, crashes, or the timeout passes.
///
/// ```swift
/// let outcome = try await JobWaiter(inspector: RunInspector(paths: paths)).wait(settings) { event in print(event) }
/// ```
public struct JobWaiter: Sendable {
    public let inspector: RunInspector

    public init(inspector: RunInspector) { self.inspector = inspector }

    public func wait(_ settings: WaitSettings, report: @Sendable (WaitEvent) -> Void = { _ in }) async throws -> WaitOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        var lastProgress = start
        var seen: String?
        var announcedWaiting = false
        while true {
            let status = try inspector.current()
            let relevant = status.flatMap { s in settings.since.map { s.startedAt >= $0 } ?? true ? s : nil }
            let now = clock.now
            if let run = relevant {
                if seen != run.runID {
                    seen = run.runID
                    lastProgress = now
                    report(.found(run))
                }
                switch run.status {
                case .completed: return .completed(run)
                case .failed: return .failed(run)
                case .crashed: return .crashed(run)
                case .running:
                    if now - lastProgress >= settings.progress {
                        lastProgress = now
                        report(.progress(run, elapsed: .milliseconds(Int64(Date().timeIntervalSince(run.startedAt) * 1000))))
                    }
                }
            } else {
                guard settings.since != nil else { return .notStarted(status) }
                if now - start >= settings.startTimeout { return .notStarted(status) }
                if !announcedWaiting {
                    announcedWaiting = true
                    report(.waitingForStart)
                }
            }
            let remaining = settings.timeout - (now - start)
            if remaining <= .zero { return .timedOut(relevant) }
            try await Task.sleep(for: min(settings.poll, remaining))
        }
    }
}
