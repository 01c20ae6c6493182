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
        /// The earliest time for the next write of an ordinary change.
        var nextWrite: ContinuousClock.Instant?
        var flushScheduled = false
        var dirty = false
        var finished = false
        var lastError: String?
        var timer: (any DispatchSourceTimer)?
        /// Numbers the snapshots, so that a write never replaces a newer status with an older one.
        var sequence: UInt64 = 0
    }
    private let state: Mutex<State>
    /// The sequence number of the status on disk, and the encoder that keeps the JSON of the steps already written.
    /// Writes happen under this lock, not the state's: a change (made from the thread running the migrations) never
    /// waits for a status being encoded and written.
    private let written = Mutex<Writer>(Writer())

    private struct Writer {
        var sequence: UInt64 = 0
        var json = StatusJSON()
    }

    /// A status to write, taken under the state lock and written outside it.
    private struct Snapshot {
        var status: RunStatus
        var redactor: Redactor
        var sequence: UInt64
    }

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
        let first = state.withLock { s in
            let timer = DispatchSource.makeTimerSource(queue: .global())
            let interval = DispatchTimeInterval.milliseconds(Int(DurationText.milliseconds(heartbeat)))
            timer.schedule(deadline: .now() + interval, repeating: interval)
            timer.setEventHandler { [weak self] in self?.beat() }
            timer.resume()
            s.timer = timer
            return Self.snapshot(&s)
        }
        write(first)
    }

    /// Adds secrets to hide from now on.
    public func use(_ redactor: Redactor) {
        state.withLock { s in for secret in redactor.secrets { s.redactor.add(secret) } }
    }

    /// Changes the status. With `force`, it is written at once (on the caller's thread); otherwise it is written
    /// from another thread once ``minimumInterval`` has passed since the last write (longer when writing takes
    /// long: a status listing thousands of applied migrations is written at most a twentieth of the time).
    public func update(force: Bool = false, _ change: (inout RunStatus) -> Void) {
        let now = state.withLock { s -> Snapshot? in
            guard !s.finished else { return nil }
            change(&s.status)
            if force { return Self.snapshot(&s) }
            s.dirty = true
            if !s.flushScheduled {
                s.flushScheduled = true
                scheduleFlush(at: s.nextWrite)
            }
            return nil
        }
        if let now { write(now) }
    }

    /// Writes the final state (flushed to disk) and stops the heartbeat; later updates are ignored.
    public func finish(_ final: RunState, exitCode: Int32?, message: String, change: (inout RunStatus) -> Void = { _ in }) {
        let last = state.withLock { s -> Snapshot? in
            guard !s.finished else { return nil }
            s.timer?.cancel()
            s.timer = nil
            s.status.status = final
            s.status.exitCode = exitCode
            s.status.message = message
            s.status.timestamp = Date()
            s.status.currentMigration = final == .completed ? nil : s.status.currentMigration
            change(&s.status)
            s.finished = true
            return Self.snapshot(&s)
        }
        if let last { write(last, sync: true) }
    }

    private func beat() {
        let snap = state.withLock { s -> Snapshot? in s.finished ? nil : Self.snapshot(&s) }
        if let snap { write(snap) }
    }

    private func flush() {
        let snap = state.withLock { s -> Snapshot? in
            guard s.dirty, !s.finished else {
                s.flushScheduled = false
                return nil
            }
            // A write that was still running when this flush was scheduled may have pushed the next one back.
            if let next = s.nextWrite, next > .now {
                scheduleFlush(at: next)
                return nil
            }
            s.flushScheduled = false
            return Self.snapshot(&s)
        }
        if let snap { write(snap) }
    }

    /// A ``flush()`` on another thread at `time` (now when nil or past).
    private func scheduleFlush(at time: ContinuousClock.Instant?) {
        let wait = time.map { max(.zero, $0 - .now) } ?? .zero
        let delay = DispatchTimeInterval.milliseconds(Int(DurationText.milliseconds(wait)) + 1)
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [weak self] in self?.flush() }
    }

    private static func snapshot(_ s: inout State) -> Snapshot {
        s.sequence += 1
        s.dirty = false
        s.status.updatedAt = Date()
        return Snapshot(status: s.status, redactor: s.redactor, sequence: s.sequence)
    }

    private func write(_ snap: Snapshot, sync: Bool = false) {
        written.withLock { writer in
            guard snap.sequence > writer.sequence else { return }  // a newer status is already on disk
            writer.sequence = snap.sequence
            let started = ContinuousClock.now
            var failure: String?
            do {
                try file.write(chunks: try writer.json.chunks(for: snap.status.redacted(by: snap.redactor)), sync: sync)
            } catch {
                failure = "\(error)"
            }
            let took = ContinuousClock.now - started
            // Under the write lock (taken before the state's, never after): results land in the order of the writes.
            state.withLock { s in
                s.lastError = failure
                s.nextWrite = .now + max(minimumInterval, took * 20)
            }
        }
    }
}
