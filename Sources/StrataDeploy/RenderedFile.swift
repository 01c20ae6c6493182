import Foundation

/// A file a renderer produced (a systemd unit, a script, a manifest): its name, text and mode.
public struct RenderedFile: Sendable, Hashable {
    public var name: String
    public var contents: String
    /// 0o644 for data, 0o755 for scripts.
    public var mode: Int

    public init(name: String, contents: String, mode: Int = 0o644) {
        self.name = name
        self.contents = contents
        self.mode = mode
    }

    /// Writes the files into `directory` (created); refuses to replace an existing file unless `overwrite`.
    /// Returns the paths written.
    @discardableResult
    public static func write(_ files: [RenderedFile], to directory: String, overwrite: Bool) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let paths = files.map { URL(fileURLWithPath: directory).appendingPathComponent($0.name).path }
        if !overwrite {
            let existing = paths.filter { FileManager.default.fileExists(atPath: $0) }
            if !existing.isEmpty {
                throw DeployError("\(existing.joined(separator: ", ")) already exist\(existing.count == 1 ? "s" : ""); use --force to replace")
            }
        }
        for (file, path) in zip(files, paths) {
            try Data(file.contents.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: file.mode], ofItemAtPath: path)
        }
        return paths
    }
}
