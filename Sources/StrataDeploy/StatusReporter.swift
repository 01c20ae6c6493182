import Dispatch
import Foundation
import StrataCore
import Synchronization

/// Keeps one run's status file up to date: every change, a heartbeat every ``heartbeat`` while running, and the
/// final state. Writes are atomic (``StatusFile``), redacted, and at most one per ``minimumInterval`` (a later
/// change is written when the interval has passed), so a run of 10,000 migrations does not spend its time on
/// its status file. A write that fails never fails the run: ``lastError`` says what went wrong.
///
/// ```swift
/// let reporter = StatusReporter(file: StatusFile(path: paths.statusFile), initial: status, redactor: config.redactor)
/// reporter.start()
/// reporter.update { $0.currentMigration = "0003_add_index" }
/// reporter.finish(.completed, exitCode: 0, message: "applied 3 migrations")
/// ```
public final class StatusReporter: Sendable {
    public let file: StatusFile
    public let heartbeat: Duration
    public let minimumInterval: Duration

    private struct State {
        var status: RunStatus
        var redactor: Redactor
        var lastWrite: ContinuousClock.Instant?
        var flushScheduled = false
        var dirty = false
        var finished = false
        var lastError: String?
        var timer: (any DispatchSourceTimer)?
    }
    private let state: Mutex<State>

    public init(file: StatusFile, initial: RunStatus, redactor: Redactor = Redactor(),
                heartbeat: Duration = .seconds(5), minimumInterval: Duration = .milliseconds(250)) {
        self.file = file
        self.heartbeat = heartbeat
        self.minimumInterval = minimumInterval
        state = Mutex(State(status: initial, redactor: redactor))
    }

    deinit { state.withLock { $0.timer?.cancel() } }

    /// The status as last changed (written or not yet).
    public var current: RunStatus { state.withLock { $0.status } }
    /// The last write error, nil when the last write worked.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// Writes the status now and starts the heartbeat.
    public func start() {
        state.withLock { s in
            writeLocked(&s)
            let timer = DispatchSource.makeTimerSource(queue: .global())
            let interval = DispatchTimeInterval.milliseconds(Int(DurationText.milliseconds(heartbeat)))
            timer.schedule(deadline: .now() + interval, repeating: interval)
            timer.setEventHandler { [weak self] in self?.beat() }
            timer.resume()
            s.timer = timer
        }
    }

    /// Adds secrets to hide from now on.
    public func use(_ redactor: Redactor) {
        state.withLock { s in for secret in redactor.secrets { s.redactor.add(secret) } }
    }

    /// Changes the status; written at once when `force` or when the last write is older than ``minimumInterval``.
    public func update(force: Bool = false, _ change: (inout RunStatus) -> Void) {
        state.withLock { s in
            guard !s.finished else { return }
            change(&s.status)
            let now = ContinuousClock.now
            if force || s.lastWrite.map({ now - $0 >= minimumInterval }) ?? true {
                writeLocked(&s)
            } else {
                s.dirty = true
                if !s.flushScheduled {
                    s.flushScheduled = true
                    let delay = DispatchTimeInterval.milliseconds(Int(DurationText.milliseconds(minimumInterval)))
                    DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [weak self] in self?.flush() }
                }
            }
        }
    }

    /// Writes the final state (flushed to disk) and stops the heartbeat; later updates are ignored.
    public func finish(_ final: RunState, exitCode: Int32?, message: String, change: (inout RunStatus) -> Void = { _ in }) {
        state.withLock { s in
            guard !s.finished else { return }
            s.timer?.cancel()
            s.timer = nil
            s.status.status = final
            s.status.exitCode = exitCode
            s.status.message = message
            s.status.timestamp = Date()
            s.status.currentMigration = final == .completed ? nil : s.status.currentMigration
            change(&s.status)
            writeLocked(&s, sync: true)
            s.finished = true
        }
    }

    private func beat() {
        state.withLock { s in
            guard !s.finished else { return }
            writeLocked(&s)
        }
    }

    private func flush() {
        state.withLock { s in
            s.flushScheduled = false
            guard s.dirty, !s.finished else { return }
            writeLocked(&s)
        }
    }

    private func writeLocked(_ s: inout State, sync: Bool = false) {
        s.status.updatedAt = Date()
        do {
            try file.write(s.status.redacted(by: s.redactor), sync: sync)
            s.lastError = nil
        } catch {
            s.lastError = "\(error)"
        }
        s.lastWrite = .now
        s.dirty = false
    }
}
