import Foundation

/// How a directory entry's name is read: `<version>_<name>[.up|.down|.verify].sql` or a `<version>_<name>/` folder.
public struct MigrationFileName: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case single, up, down, verify, folder }
    public var version: MigrationVersion
    public var name: String
    public var kind: Kind

    /// Splits a leading version (digits and dashes) from the rest of a name.
    /// Returns nil when the name does not start with a digit.
    public static func splitVersion(_ stem: String) -> (version: MigrationVersion, name: String)? {
        guard let first = stem.first, first.isASCII, first.isNumber else { return nil }
        let prefix = stem.prefix { ($0.isASCII && $0.isNumber) || $0 == "-" }
        var versionText = String(prefix)
        while versionText.hasSuffix("-") { versionText.removeLast() }
        guard let version = MigrationVersion(versionText) else { return nil }
        var rest = stem.dropFirst(versionText.count)
        guard rest.isEmpty || rest.first == "_" || rest.first == "-" else { return nil }
        rest = rest.drop { $0 == "_" || $0 == "-" }
        return (version, String(rest))
    }

    /// Reads a file name. Returns nil when the name is not one of the migration forms.
    public static func parseFile(_ fileName: String) -> MigrationFileName? {
        let lower = fileName.lowercased()
        let kinds: [(String, Kind)] = [(".up.sql", .up), (".down.sql", .down), (".verify.sql", .verify), (".sql", .single)]
        for (suffix, kind) in kinds where lower.hasSuffix(suffix) {
            let stem = String(fileName.dropLast(suffix.count))
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
