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

    /// Returns once every request sent so far has reached the server (or failed to).
    func delivered() async {
        for task in sent.withLock({ $0 }) { await task.value }
    }
}
