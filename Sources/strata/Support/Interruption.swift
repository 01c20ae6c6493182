import Dispatch
import Foundation
import StrataKit
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT, SIGTERM and `--timeout` into task cancellation: the running statement is cancelled on the
/// server, the migration rolled back and the lock released; a watchdog makes sure the process exits
/// within 2 seconds even if the database does not answer.
final class Interruption: Sendable {
    static let shared = Interruption()
    private let reason = Mutex<StrataExit?>(nil)
    var exitCode: StrataExit? { reason.withLock { $0 } }
    private let graceTime = Mutex<Duration>(.milliseconds(1500))
    /// How long after a signal or the timeout the process may take to stop before it is forced to exit.
    var grace: Duration {
        get { graceTime.withLock { $0 } }
        set { graceTime.withLock { $0 = newValue } }
    }

    /// Runs `body` so that a signal or the timeout cancels it.
    func run<R: Sendable>(timeout: Duration?, output: Output, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        let task = Task { try await body() }
        var sources: [any DispatchSourceSignal] = []
        for (sig, code) in [(SIGINT, StrataExit.interrupted), (SIGTERM, StrataExit.terminated)] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                let first = reason.withLock { r -> Bool in
                    if r == nil { r = code; return true }
                    return false
                }
                if !first { _exit(code.rawValue) }
                output.note("\n\(sig == SIGINT ? "SIGINT" : "SIGTERM") received: rolling back the running migration and releasing the lock…")
                task.cancel()
                DispatchQueue.global().asyncAfter(deadline: .now() + self.grace.seconds) { _exit(code.rawValue) }
            }
            source.resume()
            sources.append(source)
        }
        let timer: Task<Void, Never>? = timeout.map { limit in
            Task { [self] in
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                reason.withLock { if $0 == nil { $0 = .timedOut } }
                output.note("\n--timeout \(DurationText.format(limit)) reached: stopping the run…")
                task.cancel()
                DispatchQueue.global().asyncAfter(deadline: .now() + self.grace.seconds) { _exit(StrataExit.timedOut.rawValue) }
            }
        }
        defer {
            timer?.cancel()
            for s in sources { s.cancel() }
        }
        return try await task.value
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
