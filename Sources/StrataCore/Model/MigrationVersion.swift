import Foundation

/// A migration's version: the leading digits of its file or folder name.
///
/// Versions compare numerically, not as text, so `9` sorts before `10` and `0001` equals `1`.
/// Dashes between the digits are allowed and ignored (`2026-11-23-140501` is `20261123140501`).
/// Dotted versions, as Flyway writes them (`2.1`, `1.10`), compare part by part, each part as a number,
/// with missing trailing parts taken as zero (`1.0` equals `1`, `1.9` sorts before `1.10`).
/// A *repeatable* version (``init(repeatable:)``, Flyway's `R__name.sql`) has no number: it sorts after
/// every numbered version, repeatables among themselves by name, and is stored as `R__name`.
///
/// ```swift
/// let v = MigrationVersion("2026-11-23-140501")
/// v?.description   // "20261123140501"
/// MigrationVersion("9")! < MigrationVersion("10")!   // true
/// MigrationVersion("1.9")! < MigrationVersion("1.10")!   // true
/// MigrationVersion(repeatable: "views").description   // "R__views"
/// ```
public struct MigrationVersion: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The digits as written (dashes removed, leading zeros kept; dots kept in dotted versions; `R__name` for
    /// repeatables), used for display and storage.
    public let digits: String
    /// The version without leading zeros (in each dotted part, trailing zero parts dropped), used for comparison and equality.
    public let canonical: String
    /// Plain, dotted or repeatable: a stored kind instead of the parts themselves, so a version is two strings (inline
    /// when short, as versions are) and copying one costs nothing: tens of thousands are copied in a run's bookkeeping.
    private let kind: Kind

    private enum Kind: Sendable, Hashable {
        case plain, dotted, repeatable
    }

    /// The prefix of a repeatable version as stored in the history.
    public static let repeatablePrefix = "R__"

    /// Parses a version from digits, optionally separated by dashes, or dotted parts of digits (`2.1`),
    /// or a stored repeatable version (`R__name`). Returns nil for anything else.
    public init?(_ text: String) {
        if text.hasPrefix(Self.repeatablePrefix) {
            let name = text.dropFirst(Self.repeatablePrefix.count)
            guard !name.isEmpty else { return nil }
            self.init(repeatable: String(name))
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var previous: UInt8 = 46
        for b in text.utf8 {
            if b == 45 { guard previous != 46 else { return nil }; previous = b; continue }  // "-"
            if b == 46 { guard previous >= 48 && previous <= 57 else { return nil }; bytes.append(b); previous = b; continue }  // "."
            guard b >= 48 && b <= 57 else { return nil }
            bytes.append(b)
            previous = b
        }
        guard !bytes.isEmpty, text.utf8.first != 45, text.utf8.last != 45, bytes.last != 46 else { return nil }
        let digits = String(decoding: bytes, as: UTF8.self)
        if !bytes.contains(46) {
            let firstNonZero = bytes.firstIndex { $0 != 48 } ?? bytes.count
            let canonical = firstNonZero == bytes.count ? "0" : String(decoding: bytes[firstNonZero...], as: UTF8.self)
            self.init(digits: digits, canonical: canonical, kind: .plain)
            return
        }
        var trimmed: [Substring] = digits.split(separator: ".", omittingEmptySubsequences: false).map { part in
            let t = part.drop { $0 == "0" }
            return t.isEmpty ? "0" : t
        }
        while trimmed.count > 1, trimmed.last == "0" { trimmed.removeLast() }
        let canonical = trimmed.joined(separator: ".")
        self.init(digits: digits, canonical: canonical, kind: canonical.utf8.contains(46) ? .dotted : .plain)
    }

    private init(digits: String, canonical: String, kind: Kind) {
        self.digits = digits
        self.canonical = canonical
        self.kind = kind
    }

    /// A repeatable migration's version (Flyway's `R__name.sql`): runs after every numbered migration,
    /// and again whenever its checksum changes.
    public init(repeatable name: String) {
        let text = Self.repeatablePrefix + name
        self.init(digits: text, canonical: text, kind: .repeatable)
    }

    public var description: String { digits }
    public var isZero: Bool { canonical == "0" }
    /// Whether this is a repeatable migration's version (``init(repeatable:)``).
    public var isRepeatable: Bool { kind == .repeatable }
    /// Whether the version has dotted parts (`2.1`).
    public var isDotted: Bool { digits.utf8.contains(46) && !isRepeatable }

    public static func == (a: Self, b: Self) -> Bool { a.canonical == b.canonical }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }
    public static func < (a: Self, b: Self) -> Bool {
        if a.kind == .repeatable || b.kind == .repeatable {
            if a.kind != b.kind { return b.kind == .repeatable }
            return a.canonical < b.canonical
        }
        if a.kind == .plain && b.kind == .plain { return less(a.canonical, b.canonical) }
        // Dotted: part by part, a missing part being 0 (canonical forms have no trailing zero parts).
        let x = a.canonical.split(separator: ".", omittingEmptySubsequences: false)
        let y = b.canonical.split(separator: ".", omittingEmptySubsequences: false)
        for i in 0..<max(x.count, y.count) {
            let p = i < x.count ? x[i] : "0"
            let q = i < y.count ? y[i] : "0"
            if p != q { return less(p, q) }
        }
        return false
    }

    /// Numeric order of two digit strings without leading zeros.
    private static func less<S: StringProtocol>(_ a: S, _ b: S) -> Bool {
        let (m, n) = (a.utf8.count, b.utf8.count)
        if m != n { return m < n }
        // Digits only, same length: text order is numeric order (ASCII compares byte by byte).
        return a < b
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let v = MigrationVersion(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a migration version: \(text)"))
        }
        self = v
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(digits)
    }
}

/// Something that carries a migration version (a migration, a history row).
protocol Versioned {
    var version: MigrationVersion { get }
}

extension Migration: Versioned {}
extension AppliedMigration: Versioned {}

extension Array where Element: Versioned {
    /// The elements in version order. A list already in order (the usual case: files listed by name, rows sorted on
    /// reading) is returned as it is after one pass, instead of being sorted again.
    func inVersionOrder() -> [Element] {
        var previous: MigrationVersion?
        for item in self {
            if let p = previous, item.version < p { return sorted { $0.version < $1.version } }
            previous = item.version
        }
        return self
    }
}
