import Foundation
import StrataKit
import Synchronization

/// A live status line on a terminal's stderr while a migration runs for more than a second:
/// `[3/10] up 0003_add_index  4.2s`.
final class ProgressLine: Sendable {
    private struct State: Sendable { var label: String?; var started = ContinuousClock.now; var shown = false }
    private final class Box: Sendable { let state = Mutex(State()) }
    private let box = Box()
    private let output: Output
    private let ticker: Task<Void, Never>?

    init(output: Output) {
        self.output = output
        guard output.stderrIsTerminal && !output.quiet && !output.json else { ticker = nil; return }
        let box = self.box
        ticker = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                let line: String? = box.state.withLock { s in
                    guard let label = s.label else { return nil }
                    let elapsed = ContinuousClock.now - s.started
                    guard elapsed >= .seconds(1) else { return nil }
                    s.shown = true
                    return "\r\u{1B}[2K\(label)  \(DurationText.format(elapsed))"
                }
                if let line { output.raw(line, toStderr: true) }
            }
        }
    }

    func start(_ label: String) { box.state.withLock { $0 = State(label: label, started: .now, shown: false) } }

    func stop() {
        let shown = box.state.withLock { s -> Bool in
            let was = s.shown
            s = State()
            return was
        }
        if shown { output.raw("\r\u{1B}[2K", toStderr: true) }
    }

    deinit { ticker?.cancel() }
}
