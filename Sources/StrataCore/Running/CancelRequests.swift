import Synchronization

/// The cancel requests a run sent for its session's running statement (from another connection, when the run's
/// task is cancelled). A request still on its way when the run ends would cancel whatever the session runs next
/// (a safe run's rollback, say): the run waits for its requests to be delivered before it returns.
final class CancelRequests: Sendable {
    private let session: any DatabaseSession
    private let sent = Mutex<[Task<Void, Never>]>([])

    init(_ session: any DatabaseSession) { self.session = session }

    /// Sends a cancel request in the background.
    func request() {
        let session = self.session
        let task = Task { await session.cancelRunningStatement() }
        sent.withLock { $0.append(task) }
    }

    /// Returns once every request sent so far has reached the server (or failed to), or after `limit` (a server
    /// that cannot be reached must not hold up reporting the run; an interrupted run exits 1.5 s after the signal).
    /// Waits even when the calling task is cancelled: a cancelled run is when requests were sent.
    func delivered(within limit: Duration = .seconds(1)) async {
        let tasks = sent.withLock { $0 }
        guard !tasks.isEmpty else { return }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let resumed = Mutex(false)
            let finish: @Sendable () -> Void = {
                if resumed.withLock({ r in defer { r = true }; return !r }) { done.resume() }
            }
            // Unstructured tasks: they do not inherit the caller's cancellation.
            Task {
                for task in tasks { await task.value }
                finish()
            }
            Task {
                try? await Task.sleep(for: limit)
                finish()
            }
        }
    }
}
