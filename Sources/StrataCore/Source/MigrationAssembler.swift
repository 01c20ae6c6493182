import Foundation

/// Turns directory entries (names and contents) in the three layouts into ``Migration`` values,
/// collecting every problem instead of stopping at the first.
enum MigrationAssembler {
    enum Entry: Hashable {
        case file(String)                       // a file directly in the directory
        case folder(String, [String])           // a folder and the file names inside it
        case unreadable(String, String)         // name, reason
    }

    private struct Parts {
        var name: String
        var files: [String] = []
        var sections = Sections()
        var layout: String
    }

    /// A migration's sections and the file of each.
    private typealias Sections = SectionSlots<(ParsedSection, String)>

    /// `entries` by name in byte order: the order ``assemble(entries:directory:parse:)`` meets them in.
    static func sortedByName(_ entries: [Entry]) -> [Entry] {
        let names = entries.map(name(of:))
        let order = names.indices.sorted { TextScan.bytesPrecede(names[$0], names[$1]) }
        return order.map { entries[$0] }
    }

    /// Reads and parses one file: `path` relative to the directory, `whole` the section a whole file is (nil: markers).
    typealias ParseFile = @Sendable (_ path: String, _ whole: SectionKind?) throws(SourceProblem) -> ParsedSections

    /// A parser reading through `read`.
    static func parser(read: @escaping @Sendable (String) throws -> String) -> ParseFile {
        { (path: String, whole: SectionKind?) throws(SourceProblem) in
            let text: String
            do { text = try read(path) } catch let p as SourceProblem { throw p } catch {
                throw SourceProblem(file: path, message: "cannot read: \(error)")
            }
            return try SectionParser.parse(text, file: path, wholeFile: whole)
        }
    }

    /// The files `assemble` will parse, and as which section, so a caller can parse them ahead (in parallel).
    static func parseJobs(_ entries: [Entry]) -> [(path: String, whole: SectionKind?)] {
        var jobs: [(String, SectionKind?)] = []
        for entry in entries {
            switch entry {
            case .file(let name):
                guard let parsed = MigrationFileName.parseFile(name) else { continue }
                jobs.append((name, wholeSection(parsed.kind)))
            case .folder(let name, let contents):
                guard MigrationFileName.parseFolder(name) != nil else { continue }
                for inner in contents.sorted() {
                    if let kind = folderSection(inner) { jobs.append(("\(name)/\(inner)", kind)) }
                }
            case .unreadable: continue
            }
        }
        return jobs
    }

    static func wholeSection(_ kind: MigrationFileName.Kind) -> SectionKind? {
        switch kind {
        case .up: .up
        case .down: .down
        case .verify: .verify
        default: nil
        }
    }

    static func folderSection(_ inner: String) -> SectionKind? {
        let lower = inner.lowercased()
        guard lower.hasSuffix(".sql") else { return nil }
        return SectionKind(rawValue: String(lower.dropLast(4)))
    }

    /// Builds the migrations. `parse` is asked for each file in name order (``sortedByName(_:)``, then folder contents
    /// sorted), which lets a caller that parsed ahead hand the results back in turn.
    static func assemble(entries: [Entry], directory: String,
                         parse: (_ path: String, _ whole: SectionKind?) throws(SourceProblem) -> ParsedSections) throws -> [Migration] {
        var problems: [SourceProblem] = []
        // Migrations in the order they were met, and where each version is: parts are changed in place in the
        // array, never copied out of a dictionary and back (over 10,000 migrations that copying was most of the work).
        var all: [(version: MigrationVersion, firstFile: String, parts: Parts)] = []
        var indexOf: [MigrationVersion: Int] = [:]

        func add(_ version: MigrationVersion, name: String, layout: String, path: String, sections: ParsedSections) {
            if let i = indexOf[version] {
                if all[i].parts.layout != layout || all[i].parts.name != name || (layout != "pair") {
                    problems.append(SourceProblem(file: path, message: "duplicate version \(version.digits): also used by \(all[i].firstFile)"))
                    return
                }
                for (kind, section) in sections {
                    if all[i].parts.sections[kind] != nil {
                        problems.append(SourceProblem(file: path, message: "duplicate \(kind.rawValue) section for version \(version.digits)"))
                    }
                    all[i].parts.sections[kind] = (section, path)
                }
                all[i].parts.files.append(path)
            } else {
                var parts = Parts(name: name, layout: layout)
                parts.files = [path]
                for (kind, section) in sections { parts.sections[kind] = (section, path) }
                indexOf[version] = all.count
                all.append((version, path, parts))
            }
        }

        all.reserveCapacity(entries.count)
        indexOf.reserveCapacity(entries.count)
        for entry in sortedByName(entries) {
            switch entry {
            case .unreadable(let path, let reason):
                problems.append(SourceProblem(file: path, message: reason))
            case .file(let fileName):
                guard let parsed = MigrationFileName.parseFile(fileName) else {
                    if fileName.lowercased().hasSuffix(".sql") {
                        problems.append(SourceProblem(file: fileName, message: "a .sql file without a leading version; name it like 20261123140501_\(fileName) or move it out of the migrations directory"))
                    } else if let c = fileName.first, c.isASCII, c.isNumber {
                        problems.append(SourceProblem(file: fileName, message: "looks like a migration but is not one of the forms <version>_<name>.sql, <version>_<name>.up.sql/.down.sql/.verify.sql, or a <version>_<name>/ folder"))
                    }
                    continue
                }
                let whole = wholeSection(parsed.kind)
                do {
                    let sections = try parse(fileName, whole)
                    add(parsed.version, name: parsed.name, layout: whole == nil ? "single" : "pair", path: fileName, sections: sections)
                } catch {
                    problems.append(error)
                }
            case .folder(let folderName, let contents):
                guard let parsed = MigrationFileName.parseFolder(folderName) else { continue }
                var sections = Sections()
                var paths: [String] = []
                for inner in contents.sorted() {
                    let path = "\(folderName)/\(inner)"
                    guard let kind = folderSection(inner) else {
                        if inner.lowercased().hasSuffix(".sql") {
                            problems.append(SourceProblem(file: path, message: "unexpected file in a migration folder; expected up.sql, down.sql and optionally verify.sql"))
                        }
                        continue
                    }
                    do {
                        let parsedSections = try parse(path, kind)
                        if let s = parsedSections[kind] { sections[kind] = (s, path) }
                        paths.append(path)
                    } catch {
                        problems.append(error)
                    }
                }
                if sections.isEmpty && paths.isEmpty && !problems.contains(where: { $0.file.hasPrefix(folderName + "/") }) {
                    problems.append(SourceProblem(file: folderName + "/", message: "migration folder without up.sql"))
                    continue
                }
                if let i = indexOf[parsed.version] {
                    problems.append(SourceProblem(file: folderName + "/", message: "duplicate version \(parsed.version.digits): also used by \(all[i].firstFile)"))
                    continue
                }
                var parts = Parts(name: parsed.name, layout: "folder")
                parts.files = paths
                parts.sections = sections
                indexOf[parsed.version] = all.count
                all.append((parsed.version, folderName + "/", parts))
            }
        }

        indexOf = [:]
        var migrations: [Migration] = []
        migrations.reserveCapacity(all.count)
        // In the order the files were met (by name: zero-padded versions are then already in version order, and the sort below is a check).
        // Each entry's parts are taken out of `all` as its migration is built, so that the parsed sections go as the
        // migrations come (10,000 of each would otherwise be held at once).
        for i in all.indices {
            let version = all[i].version
            let parts = all[i].parts
            all[i].parts = Parts(name: "", layout: "")
            guard let (up, upFile) = parts.sections.up else {
                // Stay quiet when one of this migration's own files already has a problem (an unreadable or unparsable
                // up file, say): "no up section" would be noise, and name no file when that was the only one.
                let ownProblem = problems.contains { p in
                    let head = String(p.file.split(separator: "/").first ?? "")
                    guard let n = MigrationFileName.parseFile(head) ?? MigrationFileName.parseFolder(head) else { return false }
                    return n.version == version && n.name == parts.name
                }
                if !ownProblem {
                    let where_ = parts.files.first ?? version.digits
                    problems.append(SourceProblem(file: where_, message: "migration \(version.digits) has no up section (expected \(parts.layout == "folder" ? "up.sql in the folder" : parts.layout == "pair" ? "a matching .up.sql file" : "`-- strata:up`"))"))
                }
                continue
            }
            func script(_ kind: SectionKind) -> MigrationScript? {
                guard let (s, file) = parts.sections[kind] else { return nil }
                return MigrationScript(file: file, section: s)
            }
            migrations.append(Migration(
                version: version, name: parts.name,
                up: MigrationScript(file: upFile, section: up),
                down: script(.down), verify: script(.verify), files: parts.files.count == 1 ? parts.files : parts.files.sorted(),
                checksumValue: up.checksumValue ?? Checksum.value(of: up.text)))
        }
        if !problems.isEmpty {
            throw SourceError(directory: directory, problems: problems.sorted { ($0.file, $0.line ?? 0) < ($1.file, $1.line ?? 0) })
        }
        return migrations.inVersionOrder()
    }

    static func name(of entry: Entry) -> String {
        switch entry {
        case .file(let n), .folder(let n, _), .unreadable(let n, _): n
        }
    }
}
