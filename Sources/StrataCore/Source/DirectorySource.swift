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
        let base = directory.path
        let parse = MigrationAssembler.parser { path in try Self.readUTF8(atPath: base + "/" + path, display: path) }
        // Read and parse every file up front, on every core; then assemble (and report) in order.
        let jobs = MigrationAssembler.parseJobs(entries)
        let chunkCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount * 2, jobs.count / 64))
        let parsed = await withTaskGroup(of: [(String, Result<[SectionKind: ParsedSection], SourceProblem>)].self) { group in
            for c in 0..<chunkCount {
                group.addTask {
                    stride(from: c, to: jobs.count, by: chunkCount).map { i in
                        let job = jobs[i]
                        return (job.path, Result { () throws(SourceProblem) in try parse(job.path, job.whole) })
                    }
                }
            }
            var all: [String: Result<[SectionKind: ParsedSection], SourceProblem>] = [:]
            all.reserveCapacity(jobs.count)
            for await chunk in group { for (path, result) in chunk { all[path] = result } }
            return all
        }
        return try MigrationAssembler.assemble(entries: entries, directory: location) { (path, whole) throws(SourceProblem) in
            if let result = parsed[path] { return try result.get() }
            return try parse(path, whole)
        }
    }

    public func sumEntries(for migrations: [Migration]) async throws -> [SumEntry] {
        var entries: [SumEntry] = []
        for m in migrations {
            for file in m.files {
                let text = try Self.readUTF8(atPath: directory.path + "/" + file, display: file)
                entries.append(SumEntry(path: file, checksum: Checksum.of(text)))
            }
        }
        return entries
    }

    /// Reads a file as UTF-8 (a byte-order mark is dropped); anything else is a clear error.
    static func readUTF8(atPath path: String, display: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.isReadableFile(atPath: path) ? "cannot read file" : "cannot read file (permission denied or missing)"
            throw SourceProblem(file: display, message: reason)
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
                throw SourceProblem(file: display, message: "is UTF-16 (it starts with a UTF-16 byte-order mark), not UTF-8; save the file as UTF-8")
            }
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
        let base = directory.path
        for name in names where !name.hasPrefix(".") {
            let entryPath = base + "/" + name
            var entryIsDir: ObjCBool = false
            guard fm.fileExists(atPath: entryPath, isDirectory: &entryIsDir) else {
                entries.append(.unreadable(name, "broken symbolic link"))
                continue
            }
            if entryIsDir.boolValue {
                guard MigrationFileName.parseFolder(name) != nil else { continue }
                do {
                    let inner = try fm.contentsOfDirectory(atPath: entryPath).filter { !$0.hasPrefix(".") }
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
