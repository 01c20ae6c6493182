import Foundation
import NIOCore
import PostgresNIO
import StrataCore
import Synchronization

/// Fails the queries of a connection that has closed and will never answer them.
///
/// postgres-nio does not always complete a query written just as the server closes the connection (after
/// `pg_terminate_backend` or a server restart the write can land on the closed channel, and its promise is never
/// fulfilled), which would hang a run — and keep its advisory lock — forever. Every query of a session goes
/// through ``run(_:)``: it returns the query's answer, or fails with ``ConnectionError`` once the connection has
/// been closed for ``grace`` without an answer. One watch per connection registers one close callback.
///
/// The query's future and the watch's failure meet in one promise on the connection's event loop: no task is
/// started per query, so a statement costs two thread hand-offs (to the event loop and back), not four.
///
/// ```swift
/// let watch = ConnectionWatch(connection, target: "postgres://db/app")
/// let result = try await watch.run { connection.query("SELECT 1", logger: logger) }
/// ```
final class ConnectionWatch: Sendable {
    static let grace: TimeAmount = .milliseconds(500)

    private struct State {
        var next: UInt64 = 0
        var waiting: [UInt64: @Sendable () -> Void] = [:]
        /// The connection closed and its grace period is over: new queries fail at once.
        var ended = false
    }
    private let state = Mutex(State())
    private let connection: PostgresConnection
    let target: String

    init(_ connection: PostgresConnection, target: String) {
        self.connection = connection
        self.target = target
        connection.closeFuture.whenComplete { [weak self] _ in
            // An answer already on its way wins: give it a moment before failing what still waits.
            connection.eventLoop.scheduleTask(in: Self.grace) { self?.end() }
        }
    }

    var lost: ConnectionError { ConnectionError(target: target, reason: "connection lost (the server closed it)") }

    /// The answer of the query `start` sends, or ``lost`` when the connection closes without one.
    func run<T: Sendable>(_ start: () -> EventLoopFuture<T>) async throws -> T {
        if connection.isClosed && state.withLock({ $0.ended }) { throw lost }
        let answer = connection.eventLoop.makePromise(of: T.self)
        let lost = self.lost
        guard let id = state.withLock({ s -> UInt64? in
            guard !s.ended else { return nil }
            s.next += 1
            // Whichever completes the promise first wins; a later completion is ignored.
            s.waiting[s.next] = { answer.fail(lost) }
            return s.next
        }) else {
            answer.fail(lost)
            throw lost
        }
        defer { _ = state.withLock { $0.waiting.removeValue(forKey: id) } }
        start().cascade(to: answer)
        return try await answer.futureResult.get()
    }

    private func end() {
        let waiting = state.withLock { s -> [@Sendable () -> Void] in
            s.ended = true
            defer { s.waiting = [:] }
            return Array(s.waiting.values)
        }
        for fail in waiting { fail() }
    }
}
