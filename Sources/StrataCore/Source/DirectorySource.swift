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
        let entries = MigrationAssembler.sortedByName(try listEntries())
        let folder = try FolderHandle(path: directory.path, display: location)
        let parse = MigrationAssembler.parser { path in try Self.readUTF8(in: folder, path, display: path) }
        // Read and parse every file up front, on every core; then assemble (and report) in order. The jobs come in
        // the order `assemble` asks for them, so their results are handed back by position, not looked up by path.
        let jobs = MigrationAssembler.parseJobs(entries)
        let chunkCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount * 2, jobs.count / 64))
        typealias Parsed = Result<ParsedSections, SourceProblem>
        var parsed = await withTaskGroup(of: [(Int, Parsed)].self) { group in
            for c in 0..<chunkCount {
                group.addTask {
                    stride(from: c, to: jobs.count, by: chunkCount).map { i in
                        let job = jobs[i]
                        return (i, Result { () throws(SourceProblem) in try parse(job.path, job.whole) })
                    }
                }
            }
            var all = [Parsed?](repeating: nil, count: jobs.count)
            for await chunk in group { for (i, result) in chunk { all[i] = result } }
            return all
        }
        var next = 0
        return try MigrationAssembler.assemble(entries: entries, directory: location) { (path, whole) throws(SourceProblem) in
            if next < jobs.count, jobs[next].path == path, jobs[next].whole == whole, let result = parsed[next] {
                parsed[next] = nil   // handed over: its memory can go to the migrations being built
                next += 1
                return try result.get()
            }
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
        guard let bytes = readBytes(atPath: path) else { throw unreadable(path, display: display) }
        return try utf8Text(bytes, display: display)
    }

    private static func unreadable(_ path: String, display: String) -> SourceProblem {
        let reason = FileManager.default.isReadableFile(atPath: path) ? "cannot read file" : "cannot read file (permission denied or missing)"
        return SourceProblem(file: display, message: reason)
    }

    /// ``readUTF8(atPath:display:)`` for a file `relative` to an open folder (no path walk from the root for each file).
    static func readUTF8(in folder: FolderHandle, _ relative: String, display: String) throws -> String {
        let fd = openat(folder.descriptor, relative, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, let bytes = readBytes(from: fd) else {
            if fd >= 0 { close(fd) }
            throw unreadable(folder.path + "/" + relative, display: display)
        }
        close(fd)
        return try utf8Text(bytes, display: display)
    }

    private static func utf8Text(_ bytes: [UInt8], display: String) throws -> String {
        var bytes = bytes
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

    /// A whole file's bytes with plain `open`/`read` (no `Data` in between: this runs for every migration file), or nil.
    static func readBytes(atPath path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readBytes(from: fd)
    }

    /// The rest of an open file's bytes, or nil (a directory, a read error). The descriptor stays open.
    static func readBytes(from fd: Int32) -> [UInt8]? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR else { return nil }
        let expected = max(Int(st.st_size), 0)
        var failed = false
        var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
            count = 0
            guard let base = buffer.baseAddress else { return }
            while count < buffer.count {
                let n = read(fd, base + count, buffer.count - count)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                if n == 0 { return }
                count += n
                // A short read that brought the size the file had when opened is its end: no read just to see 0.
                if count == expected { return }
            }
        }
        if failed { return nil }
        if bytes.count == expected + 1 {
            // The file grew while it was read: take the rest.
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    return nil
                }
                if n == 0 { break }
                bytes.append(contentsOf: chunk[0..<n])
            }
        }
        return bytes
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
        let listed: [DirectoryListing.Entry]
        do { listed = try DirectoryListing.entries(atPath: directory.path) } catch {
            throw SourceError(directory: location, problems: [SourceProblem(file: directory.path, message: "cannot list directory: \((error as NSError).localizedDescription)")])
        }
        var entries: [MigrationAssembler.Entry] = []
        entries.reserveCapacity(listed.count)
        let base = directory.path
        for entry in listed where !entry.name.hasPrefix(".") {
            let name = entry.name
            switch entry.kind {
            case .broken:
                entries.append(.unreadable(name, "broken symbolic link"))
            case .directory:
                guard MigrationFileName.parseFolder(name) != nil else { continue }
                do {
                    let inner = try fm.contentsOfDirectory(atPath: base + "/" + name).filter { !$0.hasPrefix(".") }
                    entries.append(.folder(name, inner))
                } catch {
                    entries.append(.unreadable(name + "/", "cannot list folder: \((error as NSError).localizedDescription)"))
                }
            case .file:
                entries.append(.file(name))
            }
        }
        return entries
    }
}
