import Foundation
import StrataCore

/// Sends one run's facts to every channel that selected its event, all channels at once, each within its own
/// time limit and with retries; it never throws, so delivery cannot change a run's outcome.
///
/// ```swift
/// let dispatcher = NotificationDispatcher(notifiers: try settings.makeNotifiers(), redactor: redactor) { print($0) }
/// for r in await dispatcher.deliver(facts) where r.status == .failed { print("warning:", r.detail ?? "") }
/// ```
public struct NotificationDispatcher: Sendable {
    public let notifiers: [any Notifier]
    public let redactor: Redactor
    /// Receives one line per attempt and per failure, already redacted.
    public let log: @Sendable (String) -> Void

    public init(notifiers: [any Notifier], redactor: Redactor = Redactor(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.notifiers = notifiers
        self.redactor = redactor
        self.log = log
    }

    /// The channels that receive `event`.
    public func notifiers(for event: NotifyEvent) -> [any Notifier] { notifiers.filter { $0.events.contains(event) } }

    /// Delivers `facts` to the channels that selected its outcome (or to `only`, whatever their events), in parallel.
    public func deliver(_ facts: RunFacts, only: [any Notifier]? = nil) async -> [DeliveryResult] {
        let clean = facts.redacted(with: redactor)
        let chosen = only ?? notifiers(for: facts.outcome)
        guard !chosen.isEmpty else { return [] }
        return await withTaskGroup(of: (Int, DeliveryResult).self) { group in
            for (i, n) in chosen.enumerated() {
                group.addTask { (i, await deliver(clean, via: n)) }
            }
            var out: [(Int, DeliveryResult)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private func deliver(_ facts: RunFacts, via n: any Notifier) async -> DeliveryResult {
        let clock = ContinuousClock()
        let start = clock.now
        let policy = n.policy
        let deadline = start + policy.timeout
        var attempts = 0
        var lastError = "not attempted"
        func result(_ status: DeliveryResult.Status, _ detail: String) -> DeliveryResult {
            DeliveryResult(channel: n.channel, event: facts.outcome, status: status, attempts: attempts,
                           durationMs: DurationText.milliseconds(clock.now - start), target: redactor.redact(n.target), detail: redactor.redact(detail))
        }
        while attempts <= policy.retries {
            let remaining = deadline - clock.now
            if remaining <= .zero { break }
            attempts += 1
            do {
                let answer = try await Self.withTimeLimit(remaining) { try await n.send(facts) }
                log(redactor.redact("notify \(n.channel.rawValue): \(facts.outcome.rawValue) sent to \(n.target) (attempt \(attempts)): \(answer)"))
                return result(.sent, answer)
            } catch {
                lastError = Self.describe(error)
                log(redactor.redact("notify \(n.channel.rawValue): attempt \(attempts) to \(n.target) failed: \(lastError)"))
                if let e = error as? DeliveryError, e.permanent { break }
                if error is DeliveryTimeout { break }
                if Task.isCancelled { break }
            }
            guard attempts <= policy.retries else { break }
            let wait = policy.backoff * (1 << min(attempts - 1, 10))
            if clock.now + wait >= deadline { lastError += "; no time left for another attempt"; break }
            try? await Task.sleep(for: wait)
        }
        return result(.failed, lastError)
    }

    /// Runs `body`, cancelling it after `limit`.
    static func withTimeLimit<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw DeliveryTimeout(limit: limit)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let e as DeliveryError: return e.message
        case let e as DeliveryTimeout: return e.description
        case is CancellationError: return "cancelled"
        default:
            let text = String(describing: error)
            return text.count > 300 ? String(text.prefix(300)) + "…" : text
        }
    }
}
