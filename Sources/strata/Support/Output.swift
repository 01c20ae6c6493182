import Foundation
import StrataKit
#if canImport(Glibc)
import Glibc
#endif

/// Everything `strata` prints goes through here: secrets redacted, colour only on a terminal,
/// JSON on stdout for `--json`, human text otherwise.
final class Output: Sendable {
    let json: Bool
    let quiet: Bool
    let verbose: Bool
    let color: Bool
    let stderrIsTerminal: Bool
    let redactor: Redactor

    init(json: Bool, quiet: Bool, verbose: Bool, noColor: Bool, redactor: Redactor) {
        self.json = json
        self.quiet = quiet
        self.verbose = verbose
        let env = ProcessInfo.processInfo.environment
        self.color = !noColor && env["NO_COLOR"] == nil && env["TERM"] != "dumb" && isatty(1) == 1
        self.stderrIsTerminal = isatty(2) == 1
        self.redactor = redactor
    }

    func with(redactor: Redactor) -> Output {
        Output(json: json, quiet: quiet, verbose: verbose, noColor: !color, redactor: redactor)
    }

    /// A line of normal output (suppressed by --quiet and --json).
    func line(_ text: String = "") {
        guard !quiet && !json else { return }
        write(redactor.redact(text) + "\n", to: 1)
    }

    /// A line for stderr (notes, warnings, progress), suppressed by --quiet.
    func note(_ text: String) {
        guard !quiet else { return }
        write(redactor.redact(text) + "\n", to: 2)
    }

    /// An error: always printed, on stderr (and as JSON on stdout with --json).
    func error(_ text: String, code: StrataExit) {
        let clean = redactor.redact(text)
        if json {
            struct Body: Encodable { var error: Inner; struct Inner: Encodable { var code: Int32; var kind: String; var message: String } }
            emitJSON(Body(error: .init(code: code.rawValue, kind: code.kind, message: clean)))
        }
        write(paint("error: ", .red) + (clean.hasPrefix("Error: ") ? String(clean.dropFirst(7)) : clean) + "\n", to: 2)
    }

    func debug(_ text: String) {
        guard verbose else { return }
        write(redactor.redact(text) + "\n", to: 2)
    }

    /// Prints `value` as JSON on stdout (snake_case keys, ISO-8601 dates with milliseconds).
    func emitJSON<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(Timestamps.format(date))
        }
        guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) else { return }
        write(redactor.redact(text) + "\n", to: 1)
    }

    func raw(_ text: String, toStderr: Bool = false) {
        write(redactor.redact(text), to: toStderr ? 2 : 1)
    }

    enum Color: String { case red = "31", green = "32", yellow = "33", blue = "34", dim = "2", bold = "1" }
    func paint(_ text: String, _ c: Color) -> String { color ? "\u{1B}[\(c.rawValue)m\(text)\u{1B}[0m" : text }

    private func write(_ text: String, to fd: Int32) {
        // `write(contentsOf:)` throws instead of trapping: a closed pipe (`strata status | head`) must not crash.
        try? (fd == 1 ? FileHandle.standardOutput : FileHandle.standardError).write(contentsOf: Data(text.utf8))
    }

    /// Aligned columns; the first row is the header.
    func table(_ rows: [[String]]) {
        guard let header = rows.first else { return }
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        guard !quiet && !json else { return }
        // One redaction and one write for the whole table: `status` over 10,000 migrations prints 10,000 lines.
        var all = ""
        for (n, r) in rows.enumerated() {
            let cells = r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            let text = cells.joined(separator: "  ")
            all += (n == 0 ? paint(text, .bold) : text) + "\n"
        }
        write(redactor.redact(all), to: 1)
    }
}
