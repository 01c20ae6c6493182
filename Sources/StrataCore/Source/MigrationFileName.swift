import Foundation

/// How a directory entry's name is read: `<version>_<name>[.up|.down|.verify].sql` or a `<version>_<name>/` folder.
public struct MigrationFileName: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case single, up, down, verify, folder }
    public var version: MigrationVersion
    public var name: String
    public var kind: Kind

    /// Splits a leading version (digits and dashes, or dotted: `1.2`) from the rest of a name; `R__<name>` is a
    /// repeatable migration (underscores in its name read as spaces, as Flyway reads them).
    /// Returns nil when the name does not start with a digit or `R__`. (Byte-level: runs for every file.)
    public static func splitVersion(_ stem: String) -> (version: MigrationVersion, name: String)? {
        let u = Array(stem.utf8)
        guard let first = u.first else { return nil }
        if first == 82, u.count > 3, u[1] == 95, u[2] == 95 {  // "R__"
            let name = String(decoding: u[3...], as: UTF8.self).replacingOccurrences(of: "_", with: " ")
            return (MigrationVersion(repeatable: name), name)
        }
        guard first >= 48, first <= 57 else { return nil }
        func digit(_ i: Int) -> Bool { i >= 0 && i < u.count && u[i] >= 48 && u[i] <= 57 }
        var end = 0
        while end < u.count, digit(end) || u[end] == 45 || (u[end] == 46 && digit(end - 1) && digit(end + 1)) { end += 1 }
        var versionEnd = end
        while versionEnd > 0, u[versionEnd - 1] == 45 { versionEnd -= 1 }
        guard let version = MigrationVersion(String(decoding: u[0..<versionEnd], as: UTF8.self)) else { return nil }
        var rest = versionEnd
        guard rest == u.count || u[rest] == 95 || u[rest] == 45 else { return nil }  // "_" or "-"
        while rest < u.count, u[rest] == 95 || u[rest] == 45 { rest += 1 }
        return (version, String(decoding: u[rest...], as: UTF8.self))
    }

    /// A UTC timestamp version for a new migration (`20261123140501`), or in another `DateFormatter` pattern
    /// (diesel's `2026-11-23-140501` folders).
    public static func timestamp(_ date: Date, format: String = "yyyyMMddHHmmss") -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.calendar = Calendar(identifier: .gregorian)
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = format
        return f.string(from: date)
    }

    private static let suffixes: [([UInt8], Kind)] = [
        (Array(".up.sql".utf8), .up), (Array(".down.sql".utf8), .down), (Array(".verify.sql".utf8), .verify), (Array(".sql".utf8), .single),
    ]

    /// Reads a file name. Returns nil when the name is not one of the migration forms.
    public static func parseFile(_ fileName: String) -> MigrationFileName? {
        let u = Array(fileName.utf8)
        for (suffix, kind) in suffixes where u.count > suffix.count {
            let tail = u[(u.count - suffix.count)...]
            guard zip(tail, suffix).allSatisfy({ ($0 | 0x20) == $1 || $0 == $1 }) else { continue }
            let stem = String(decoding: u[0..<(u.count - suffix.count)], as: UTF8.self)
            guard let (version, name) = splitVersion(stem) else { return nil }
            return MigrationFileName(version: version, name: name, kind: kind)
        }
        return nil
    }

    /// Reads a folder name.
    public static func parseFolder(_ folderName: String) -> MigrationFileName? {
        guard let (version, name) = splitVersion(folderName) else { return nil }
        return MigrationFileName(version: version, name: name, kind: .folder)
    }
}
