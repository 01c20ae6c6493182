import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder's entries with their kind, from one `readdir` pass: the kind comes from the directory entry itself
/// (`d_type`), so listing 10,000 migration files costs no `stat` per file (only symbolic links and file systems
/// that do not fill `d_type` are looked up).
///
/// ```swift
/// for entry in try DirectoryListing.entries(atPath: "migrations") where entry.kind == .file { print(entry.name) }
/// ```
public enum DirectoryListing {
    public enum Kind: Sendable, Hashable {
        case file, directory
        /// A symbolic link whose target does not exist.
        case broken
    }

    public struct Entry: Sendable, Hashable {
        public var name: String
        public var kind: Kind
    }

    /// Every entry but `.` and `..` (hidden ones included), unsorted. Throws the `errno` text when the folder cannot be opened.
    public static func entries(atPath path: String) throws -> [Entry] {
        guard let dir = opendir(path) else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
        defer { closedir(dir) }
        var out: [Entry] = []
        while let ent = readdir(dir) {
            let name = withUnsafePointer(to: &ent.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            let type = Int32(ent.pointee.d_type)
            let kind: Kind
            if type == Int32(DT_DIR) {
                kind = .directory
            } else if type == Int32(DT_REG) {
                kind = .file
            } else {
                // A link, or a file system that does not say: follow it.
                var st = stat()
                if stat(path + "/" + name, &st) != 0 {
                    kind = .broken
                } else {
                    kind = (st.st_mode & S_IFMT) == S_IFDIR ? .directory : .file
                }
            }
            out.append(Entry(name: name, kind: kind))
        }
        return out
    }
}
