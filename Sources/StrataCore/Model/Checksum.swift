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
