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
/// ```swift
/// let watch = ConnectionWatch(connection, target: "postgres://db/app")
/// let rows = try await watch.run { try await connection.query("SELECT 1", logger: logger).collect() }
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

    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        if connection.isClosed && state.withLock({ $0.ended }) { throw lost }
        let pending = PendingAnswer<T>()
        let lost = self.lost
        guard let id = state.withLock({ s -> UInt64? in
            guard !s.ended else { return nil }
            s.next += 1
            s.waiting[s.next] = { pending.finish(.failure(lost)) }
            return s.next
        }) else { throw lost }
        defer { _ = state.withLock { $0.waiting.removeValue(forKey: id) } }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
                pending.start(c, body)
            }
        } onCancel: {
            pending.cancel()
        }
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

/// One query's answer: from the query itself, or a failure from the watch, whichever comes first.
private final class PendingAnswer<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
    private let work = Mutex<Task<Void, Never>?>(nil)

    func start(_ c: CheckedContinuation<T, any Error>, _ body: @escaping @Sendable () async throws -> T) {
        continuation.withLock { $0 = c }
        let task = Task { [self] in
            do { finish(.success(try await body())) } catch { finish(.failure(error)) }
        }
        work.withLock { $0 = task }
    }

    func finish(_ result: Result<T, any Error>) {
        let c = continuation.withLock { p -> CheckedContinuation<T, any Error>? in
            defer { p = nil }
            return p
        }
        c?.resume(with: result)
    }

    func cancel() { work.withLock { $0 }?.cancel() }
}
