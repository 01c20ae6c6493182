import Foundation
import Synchronization
import StrataCore

/// What a safe run reports while it goes, for progress lines.
public enum SafetyProgress: Sendable {
    case stageStarted(SafetyStage, String)
    case stageFinished(SafetyStage, ok: Bool, String, durationMs: Int64)
    case note(String)
}

/// The run's log: every line timestamped (UTC), kept for the report directory.
public final class SafetyLog: Sendable {
    private let lines = Mutex<[String]>([])
    public init() {}

    public func add(_ line: String) {
        let stamp = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).dateTimeSeparator(.standard))
        lines.withLock { l in
            for part in line.split(separator: "\n", omittingEmptySubsequences: false) { l.append("\(stamp) \(part)") }
        }
    }

    public var all: [String] { lines.withLock { $0 } }
}

/// `--timeout` elapsed during a safety stage.
public struct SafetyTimeout: Error, Sendable, CustomStringConvertible {
    public var limit: Duration
    public var stage: SafetyStage
    public var description: String { "--timeout \(DurationText.format(limit)) reached during the \(stage.title)" }
}

final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Runs `body`, cancelling it and throwing ``SafetyTimeout`` when `limit` elapses first.
func withSafetyTimeout<R: Sendable>(_ limit: Duration?, stage: SafetyStage, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
    guard let limit else { return try await body() }
    let fired = Flag()
    return try await withThrowingTaskGroup(of: R?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            fired.set()
            return nil
        }
        do {
            while let next = try await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
                group.cancelAll()
            }
        } catch {
            group.cancelAll()
            if fired.isSet { throw SafetyTimeout(limit: limit, stage: stage) }
            throw error
        }
        throw SafetyTimeout(limit: limit, stage: stage)
    }
}

func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
    let d = ContinuousClock.now - start
    return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
}
