import Foundation

/// Migrations read from a directory in any of the three layouts:
/// `<version>_<name>.sql` with `-- strata:up/down/verify` sections, `.up.sql`/`.down.sql`/`.verify.sql`
/// pairs, or one `<version>_<name>/` folder per migration holding `up.sql`, `down.sql`, `verify.sql`.
///
/// ```swift
/// let source = DirectorySource(directory: URL(fileURLWithPath: "migrations"))
/// for m in try await source.migrations() { print(m.version, m.name) }
/// ```
public struct DirectorySource: MigrationSource {
    public let directory: URL
    public init(directory: URL) { self.directory = directory }
    public var location: String { directory.path }

    public func migrations() async throws -> [Migration] {
        let entries = try listEntries()
        return try MigrationAssembler.assemble(entries: entries, directory: location) { path in
            try Self.readUTF8(directory.appendingPathComponent(path), display: path)
        }
    }

    public func sumEntries() async throws -> [SumEntry] {
        let migrations = try await migrations()
        var entries: [SumEntry] = []
        for m in migrations {
            for file in m.files {
                let text = try Self.readUTF8(directory.appendingPathComponent(file), display: file)
                entries.append(SumEntry(path: file, checksum: Checksum.of(text)))
            }
        }
        return entries
    }

    /// Reads a file as UTF-8 (a byte-order mark is dropped); anything else is a clear error.
    static func readUTF8(_ url: URL, display: String) throws -> String {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SourceProblem(file: display, message: "cannot read file: \((error as NSError).localizedDescription)")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SourceProblem(file: display, message: "not valid UTF-8; save the file as UTF-8")
        }
        if text.utf8.contains(0) {
            throw SourceProblem(file: display, message: "contains a NUL byte; is this a binary file?")
        }
        return text
    }

    private func listEntries() throws -> [MigrationAssembler.Entry] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDir) else {
            throw SourceError(directory: location, problems: [SourceProblem(file: directory.path, message: "migrations directory does not exist; create it with `strata init` or pass --dir")])
        }
        guard isDir.boolValue else {
            throw SourceError(directory: location, problems: [SourceProblem(file: directory.path, message: "is not a directory")])
        }
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: directory.path) } catch {
            throw SourceError(directory: location, problems: [SourceProblem(file: directory.path, message: "cannot list directory: \((error as NSError).localizedDescription)")])
        }
        var entries: [MigrationAssembler.Entry] = []
        for name in names where !name.hasPrefix(".") {
            let url = directory.appendingPathComponent(name)
            var entryIsDir: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &entryIsDir) else {
                entries.append(.unreadable(name, "broken symbolic link"))
                continue
            }
            if entryIsDir.boolValue {
                guard MigrationFileName.parseFolder(name) != nil else { continue }
                do {
                    let inner = try fm.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".") }
                    entries.append(.folder(name, inner))
                } catch {
                    entries.append(.unreadable(name + "/", "cannot list folder: \((error as NSError).localizedDescription)"))
                }
            } else {
                entries.append(.file(name))
            }
        }
        return entries
    }
}
