import Foundation

/// A migration's version: the leading digits of its file or folder name.
///
/// Versions compare numerically, not as text, so `9` sorts before `10` and `0001` equals `1`.
/// Dashes between the digits are allowed and ignored (`2026-11-23-140501` is `20261123140501`).
///
/// ```swift
/// let v = MigrationVersion("2026-11-23-140501")
/// v?.description   // "20261123140501"
/// MigrationVersion("9")! < MigrationVersion("10")!   // true
/// ```
public struct MigrationVersion: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The digits as written (dashes removed, leading zeros kept), used for display and storage.
    public let digits: String
    /// The digits without leading zeros, used for comparison and equality.
    public let canonical: String

    /// Parses a version from digits, optionally separated by dashes. Returns nil for anything else.
    public init?(_ text: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            if b == 45 { continue }  // "-"
            guard b >= 48 && b <= 57 else { return nil }
            bytes.append(b)
        }
        guard !bytes.isEmpty, text.utf8.first != 45, text.utf8.last != 45 else { return nil }
        digits = String(decoding: bytes, as: UTF8.self)
        let firstNonZero = bytes.firstIndex { $0 != 48 } ?? bytes.count
        canonical = firstNonZero == bytes.count ? "0" : String(decoding: bytes[firstNonZero...], as: UTF8.self)
    }

    public var description: String { digits }
    public var isZero: Bool { canonical == "0" }

    public static func == (a: Self, b: Self) -> Bool { a.canonical == b.canonical }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }
    public static func < (a: Self, b: Self) -> Bool {
        if a.canonical.utf8.count != b.canonical.utf8.count { return a.canonical.utf8.count < b.canonical.utf8.count }
        return a.canonical < b.canonical
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
