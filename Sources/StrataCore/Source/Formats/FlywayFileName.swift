import Foundation

/// A Flyway SQL migration file name: `V<version>__<description>.sql` (versioned), `U…` (undo), `B…` (baseline),
/// `R__<description>.sql` (repeatable). The version's parts are separated by `.` or `_` (`V1_2` is version 1.2,
/// as Flyway stores it); the description's underscores read as spaces.
///
/// ```swift
/// let name = try FlywayFileName.parse("V1_2__add_users.sql")
/// name?.kind          // .versioned
/// name?.versionText   // "1.2"
/// name?.description   // "add users"
/// ```
public struct FlywayFileName: Sendable, Hashable {
    public enum Kind: Character, Sendable, Hashable {
        case versioned = "V", undo = "U", baseline = "B", repeatable = "R"
    }
    public var kind: Kind
    /// The version as Flyway stores it (`1.2`); empty for repeatables.
    public var versionText: String
    public var description: String

    /// Flyway's callback scripts (`beforeMigrate.sql`, `afterEachMigrate__note.sql`…), which are not migrations.
    static let callbacks: Set<String> = [
        "beforeMigrate", "beforeEachMigrate", "beforeEachMigrateStatement", "afterEachMigrateStatement", "afterEachMigrateStatementError",
        "afterEachMigrate", "afterEachMigrateError", "afterMigrate", "afterMigrateApplied", "afterVersioned", "afterMigrateError",
        "beforeUndo", "beforeEachUndo", "beforeEachUndoStatement", "afterEachUndoStatement", "afterEachUndoStatementError",
        "afterEachUndo", "afterEachUndoError", "afterUndo", "afterUndoError", "beforeClean", "afterClean", "afterCleanError",
        "beforeInfo", "afterInfo", "afterInfoError", "beforeValidate", "afterValidate", "afterValidateError",
        "beforeBaseline", "afterBaseline", "afterBaselineError", "beforeRepair", "afterRepair", "afterRepairError",
        "createSchema", "beforeCreateSchema", "beforeConnect", "afterConnect",
    ]

    /// Whether `file` (a base name) is a callback script.
    static func isCallback(_ file: String) -> Bool {
        let stem = file.hasSuffix(".sql") ? String(file.dropLast(4)) : file
        return callbacks.contains(String(stem.prefix { $0 != "_" })) || callbacks.contains(stem)
    }

    /// The name's parts; nil when the file is not a Flyway migration name at all (no `V`/`U`/`B`/`R` prefix and `__`).
    /// Throws when it looks like one but the version is not made of numbers, as Flyway refuses it.
    public static func parse(_ file: String) throws(SourceProblem) -> FlywayFileName? {
        guard file.hasSuffix(".sql"), let first = file.first, let kind = Kind(rawValue: first),
              let separator = file.range(of: "__") else { return nil }
        let version = file[file.index(after: file.startIndex)..<separator.lowerBound]
        let description = file[separator.upperBound...].dropLast(4).replacingOccurrences(of: "_", with: " ")
        if kind == .repeatable {
            guard version.isEmpty else {
                throw SourceProblem(file: file, message: "a repeatable migration has no version: name it R__<description>.sql")
            }
            return FlywayFileName(kind: kind, versionText: "", description: description)
        }
        guard !version.isEmpty else {
            throw SourceProblem(file: file, message: "no version between `\(first)` and `__`; Flyway names versioned migrations \(first)<version>__<description>.sql")
        }
        let text = version.replacingOccurrences(of: "_", with: ".")
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else {
            throw SourceProblem(file: file, message: "invalid Flyway version `\(version)`: only digits separated by `.` or `_` are allowed")
        }
        return FlywayFileName(kind: kind, versionText: text, description: description)
    }
}

/// Flyway's own checksum of a script: CRC-32 over its lines without line terminators (UTF-8, byte-order mark dropped),
/// as a signed 32-bit integer — what `flyway_schema_history.checksum` holds. `strata adopt` compares it to decide
/// whether a repeatable migration Flyway applied is still current.
///
/// ```swift
/// FlywayChecksum.of("SELECT 1;\n")   // the value Flyway records for that file
/// ```
public enum FlywayChecksum {
    public static func of(_ text: String) -> Int32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for (i, line) in SectionParser.splitLines(text).enumerated() {
            var l = line
            if i == 0, l.first == "\u{FEFF}" { l = l.dropFirst() }
            for byte in l.utf8 { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return Int32(bitPattern: crc ^ 0xFFFF_FFFF)
    }

    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
