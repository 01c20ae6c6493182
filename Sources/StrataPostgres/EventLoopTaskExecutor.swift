import NIOCore

/// Runs tasks on one NIO event loop: the loop that serves a connection. A task that prefers it (Swift's
/// `withTaskExecutorPreference`) sends a statement and is resumed with the answer on the same thread, instead of
/// waking a thread of the shared pool for every statement, which over thousands of statements cost more than the
/// statements themselves.
///
/// ```swift
/// let executor = EventLoopTaskExecutor(connection.eventLoop)
/// try await withTaskExecutorPreference(executor) { try await session.execute("SELECT 1") }
/// ```
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
