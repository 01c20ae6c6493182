import Crypto
import Foundation

/// SHA-256 checksums of migration sections.
///
/// Line endings are normalised first (CRLF and lone CR become LF), so a checkout on another
/// operating system does not look like an edit.
///
/// ```swift
/// Checksum.of("SELECT 1;\r\n") == Checksum.of("SELECT 1;\n")   // true
/// ```
public enum Checksum {
    /// Hex SHA-256 of `text` after line-ending normalisation.
    public static func of(_ text: String) -> String {
        hex(Array(normalise(text).utf8))
    }

    /// ``of(_:)`` as a ``Value``, without building the hex text.
    public static func value(of text: String) -> Value {
        var words: [UInt64] = []
        words.reserveCapacity(4)
        var word: UInt64 = 0
        for (i, b) in SHA256.hash(data: Array(normalise(text).utf8)).enumerated() {
            word = word << 8 | UInt64(b)
            if i % 8 == 7 { words.append(word); word = 0 }
        }
        guard words.count == 4 else { return Value(of(text)) }
        return .sha256(words[0], words[1], words[2], words[3])
    }

    /// Hex SHA-256 of raw bytes.
    public static func hex(_ bytes: [UInt8]) -> String {
        hexString(SHA256.hash(data: bytes))
    }

    /// Lower-case hex of a byte sequence.
    public static func hexString<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Replaces CRLF and lone CR with LF.
    public static func normalise(_ text: String) -> String {
        guard text.utf8.contains(13) else { return text }
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        var previousCR = false
        for b in text.utf8 {
            if b == 13 { out.append(10); previousCR = true; continue }
            if b == 10 && previousCR { previousCR = false; continue }
            previousCR = false
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Checksum {
    /// A checksum as held in memory: a SHA-256 hex string (what Strata writes) as its 32 bytes, anything else (another
    /// tool's checksum in an adopted history) as the text. 40 bytes inline instead of a 64-character string on the
    /// heap: over 10,000 migrations and their history rows, 1.4 MB less.
    ///
    /// ```swift
    /// let value = Checksum.Value(Checksum.of("SELECT 1;"))
    /// value.text == Checksum.of("SELECT 1;")   // true
    /// ```
    public enum Value: Sendable, Hashable {
        case sha256(UInt64, UInt64, UInt64, UInt64)
        case text(String)

        /// `text` as a value; 64 lower-case hex digits become the digest (so each text has one form).
        public init(_ text: String) {
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            guard text.utf8.count == 64 else { self = .text(text); return }
            var index = 0
            for b in text.utf8 {
                let nibble: UInt64
                switch b {
                case 48...57: nibble = UInt64(b - 48)
                case 97...102: nibble = UInt64(b - 87)
                default: self = .text(text); return
                }
                switch index >> 4 {
                case 0: words.0 = words.0 << 4 | nibble
                case 1: words.1 = words.1 << 4 | nibble
                case 2: words.2 = words.2 << 4 | nibble
                default: words.3 = words.3 << 4 | nibble
                }
                index += 1
            }
            self = .sha256(words.0, words.1, words.2, words.3)
        }

        /// The checksum as text (lower-case hex for a SHA-256).
        public var text: String {
            switch self {
            case .text(let t):
                return t
            case .sha256(let a, let b, let c, let d):
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                return String(unsafeUninitializedCapacity: 64) { buffer in
                    var i = 0
                    for word in [a, b, c, d] {
                        for shift in stride(from: 60, through: 0, by: -4) {
                            buffer[i] = digits[Int((word >> UInt64(shift)) & 0xF)]
                            i += 1
                        }
                    }
                    return 64
                }
            }
        }
    }
}
