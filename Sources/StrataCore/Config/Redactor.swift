import Foundation

/// Removes secrets from text before it is printed, logged or stored.
///
/// It knows the passwords of the configured targets, and also masks any URL password
/// (`postgres://user:pw@host` → `postgres://user:***@host`) and `password=…` pairs it sees.
///
/// ```swift
/// let r = Redactor(secrets: ["hunter2"])
/// r.redact("login failed for postgres://app:hunter2@db/app")   // "login failed for postgres://app:***@db/app"
/// ```
public struct Redactor: Sendable {
    public private(set) var secrets: [String] { didSet { encodedSecrets = Self.encoded(secrets) } }
    /// Each secret's percent-encoded form where it differs (as it appears inside a URL), made once: Foundation's
    /// encoding cost every printed line a few microseconds per secret.
    private var encodedSecrets: [String]
    public init(secrets: [String] = []) {
        let kept = secrets.filter { $0.count >= 3 }.sorted { $0.count > $1.count }
        self.secrets = kept
        self.encodedSecrets = Self.encoded(kept)
    }
    public mutating func add(_ secret: String?) {
        guard let secret, secret.count >= 3, !secrets.contains(secret) else { return }
        secrets.append(secret)
        secrets.sort { $0.count > $1.count }
    }

    private static func encoded(_ secrets: [String]) -> [String] {
        secrets.compactMap { s in s.addingPercentEncoding(withAllowedCharacters: .alphanumerics).flatMap { $0 == s ? nil : $0 } }
    }

    public func redact(_ text: String) -> String {
        // Text with nothing to mask (the usual case, and a `status --json` over 10,000 migrations is a megabyte
        // or more) is only scanned, byte by byte: the replacements run where something was found.
        var out = Self.redactURL(text)
        // Byte search finds what Foundation's search finds only in ASCII: anything else (another normalization of
        // the same characters) takes the full search, as before.
        let ascii = TextScan.isASCII(out)
        func present(_ s: String) -> Bool { ascii && TextScan.isASCII(s) ? TextScan.contains(out, s) : out.contains(s) }
        for s in secrets where present(s) { out = out.replacingOccurrences(of: s, with: "***") }
        // Every secret's percent-encoded form (as it appears inside a URL), not only the first one's.
        for enc in encodedSecrets where present(enc) { out = out.replacingOccurrences(of: enc, with: "***") }
        return out
    }

    /// Masks the password part of every `scheme://user:password@` and `password=value` in `text`.
    public static func redactURL(_ text: String) -> String {
        var out = text
        if TextScan.hasURLWithPassword(out) {
            // Up to the LAST `@` before whitespace or a quote: a password with an unencoded `@` (a malformed URL) must not
            // leak its tail, and a quoted URL in JSON or SQL must not swallow the text after its closing quote. ASCII
            // text (a command line with `-d postgres://user:pw@…`, redacted at every status write) is masked byte by
            // byte; Unicode whitespace is the expression's business.
            out = TextScan.maskingURLPasswords(out)
                ?? out.replacingOccurrences(of: #"(://[^:/@\s]*):[^\s"']*@"#, with: "$1:***@", options: .regularExpression)
        }
        // Case folding beyond ASCII (`paßword`, `PAſSWORD`) is the regular expression's business: non-ASCII text goes
        // to it when it holds `password` once the only letters that fold into it are folded (every `✓` line of a
        // run's output went to it before: ICU's matching cost each line tens of microseconds).
        if TextScan.containsIgnoringCase(out, "password") || (!TextScan.isASCII(out) && TextScan.mayFoldToPassword(out)) {
            out = out.replacingOccurrences(of: #"(?i)(password\s*=\s*)('[^']*'|"[^"]*"|[^\s&;]+)"#, with: "$1***", options: .regularExpression)
        }
        return out
    }
}
