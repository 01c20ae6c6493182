import Foundation

/// Parses and prints durations written as `500ms`, `5s`, `30m`, `2h`, `1h30m` or a bare number of seconds.
///
/// ```swift
/// DurationText.parse("1h30m")      // .seconds(5400)
/// DurationText.format(.seconds(90)) // "1m30s"
/// ```
public enum DurationText {
    /// The longest `statement_timeout` / `lock_timeout` PostgreSQL accepts (2^31 - 1 ms, about 24.8 days).
    public static let maximumServerTimeout = Duration.milliseconds(2_147_483_647)

    public static func parse(_ text: String) -> Duration? {
        let s = text.filter { !$0.isWhitespace }.lowercased()
        guard !s.isEmpty else { return nil }
        // Bounded so that `inf`, `1e400` or a huge number is refused instead of trapping in Int64(_:).
        let limit = Double(Int64.max) / 2
        if let whole = Double(s) {
            guard whole >= 0, whole * 1000 < limit else { return nil }
            return .milliseconds(Int64(whole * 1000))
        }
        var total: Double = 0
        var number = ""
        var index = s.startIndex
        var sawUnit = false
        while index < s.endIndex {
            let c = s[index]
            if c.isNumber || c == "." { number.append(c); index = s.index(after: index); continue }
            var unit = ""
            while index < s.endIndex, s[index].isLetter { unit.append(s[index]); index = s.index(after: index) }
            guard let value = Double(number), !unit.isEmpty else { return nil }
            switch unit {
            case "ms": total += value / 1000
            case "s", "sec", "secs": total += value
            case "m", "min", "mins": total += value * 60
            case "h", "hr", "hrs": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty, total.isFinite, total * 1000 < limit else { return nil }
        return .milliseconds(Int64((total * 1000).rounded()))
    }

    /// Milliseconds in a duration (rounded down).
    public static func milliseconds(_ d: Duration) -> Int64 {
        let (ms, overflow) = d.components.seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return d.components.seconds < 0 ? .min : .max }
        let (sum, overflow2) = ms.addingReportingOverflow(d.components.attoseconds / 1_000_000_000_000_000)
        return overflow2 ? .max : sum
    }

    /// A compact human form: `850ms`, `4.2s`, `1m30s`, `2h5m`.
    public static func format(_ d: Duration) -> String {
        let ms = milliseconds(d)
        if ms < 1000 { return "\(ms)ms" }
        if ms < 59_950 { return String(format: "%.1fs", Double(ms) / 1000) }
        let totalSeconds = ms / 1000
        if totalSeconds < 3600 { return "\(totalSeconds / 60)m\(totalSeconds % 60)s" }
        return "\(totalSeconds / 3600)h\((totalSeconds % 3600) / 60)m"
    }
}
