import Foundation
import StrataCore

/// One migration written in Strata's own single-file layout by ``StrataLayoutConverter``.
public struct ConvertedMigration: Sendable, Hashable {
    public var version: MigrationVersion
    public var name: String
    /// The new file's name (`<version>_<name>.sql`, `R__<name>.sql`).
    public var file: String
    public var text: String
    /// The files it was read from.
    public var sources: [String]
    /// The up section's checksum in the new file.
    public var checksum: String
    /// False when the up section could not be written as it was (placeholders or environment values substituted,
    /// statements the tool splits differently): a database that applied it records another checksum.
    public var checksumKept: Bool
    /// Why the text changed, or what was left behind.
    public var notes: [String]
}

/// Rewrites migrations read from any layout into Strata's own: one `<version>_<name>.sql` file per migration with
/// `-- strata:up` / `down` / `verify` sections and the directives the old tool's rules implied
/// (`-- strata:no-transaction`, `-- strata:baseline`). Versions are kept as they are; the up section is written
/// byte for byte when Strata's parser reads the same statements back from it, so its checksum stays the same and
/// databases that applied the old folder see nothing changed. Every file is parsed back before it is returned.
///
/// ```swift
/// let reading = try await MigrationSources.directory(URL(fileURLWithPath: "db/migrations")).read()
/// for file in StrataLayoutConverter.convert(reading.migrations, from: reading.format) {
///     print(file.file, file.checksumKept)
/// }
/// ```
public enum StrataLayoutConverter {
    public static func convert(_ migrations: [Migration], from format: MigrationFormat) -> [ConvertedMigration] {
        migrations.map { convert($0, from: format) }
    }

    /// Writes `converted` into `directory` (new or empty), then reads the folder back as Strata will and checks
    /// that it holds the same versions with the checksums reported. On any failure the written files are removed.
    public static func write(_ converted: [ConvertedMigration], to directory: URL) async throws(ConvertError) {
        let fm = FileManager.default
        func removeWritten() { for c in converted { try? fm.removeItem(at: directory.appendingPathComponent(c.file)) } }
        if let existing = try? fm.contentsOfDirectory(atPath: directory.path), !existing.isEmpty {
            throw ConvertError(kind: .usage, description: "\(directory.path) is not empty; convert writes into a new or empty folder")
        }
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            for c in converted { try Data(c.text.utf8).write(to: directory.appendingPathComponent(c.file), options: .withoutOverwriting) }
        } catch {
            removeWritten()
            throw ConvertError(kind: .failure, description: "cannot write into \(directory.path): \((error as NSError).localizedDescription); nothing was left behind")
        }
        let back: [Migration]
        do { back = try await MigrationSources.directory(directory, format: .strata).read().migrations } catch {
            removeWritten()
            throw ConvertError(kind: .failure, description: "the converted folder does not read back (removed): \(error)")
        }
        let expected = converted.map { "\($0.version.digits) \($0.checksum)" }, got = back.map { "\($0.version.digits) \($0.checksum)" }
        guard expected == got else {
            removeWritten()
            throw ConvertError(kind: .failure, description: "the converted folder reads back differently (removed); please report this with the folder: expected \(expected), read \(got)")
        }
    }

    /// `<version>_<name>.sql`; a repeatable's is `R__<name>.sql` (spaces as underscores, read back as spaces).
    public static func fileName(for m: Migration) -> String {
        var name = ""
        for c in m.name.unicodeScalars {
            if CharacterSet.alphanumerics.contains(c) || c == "_" || c == "-" { name.unicodeScalars.append(c) } else if !name.hasSuffix("_") { name += "_" }
        }
        while name.hasSuffix("_") { name.removeLast() }
        if m.isRepeatable { return MigrationVersion.repeatablePrefix + (name.isEmpty ? "repeatable" : name) + ".sql" }
        return m.version.digits + (name.isEmpty ? "" : "_" + name) + ".sql"
    }

    static func convert(_ m: Migration, from format: MigrationFormat) -> ConvertedMigration {
        let file = fileName(for: m)
        var notes: [String] = []
        var text = "-- Converted from \(format.displayName) (\(m.files.joined(separator: ", "))) by `strata convert`.\n"
        let up = body(m.up, file: file)
        if !up.kept { notes.append(up.why) }
        let upDirectives = written(m.up)
        if upDirectives.noTransaction {
            notes.append("runs outside a transaction by the old tool's rules: marked `-- strata:no-transaction`, and Strata's checksum covers that line")
        }
        text += section("up", upDirectives, up.text)
        if let down = m.down {
            let d = body(down, file: file)
            text += section("down", written(down), d.text)
        }
        if let verify = m.verify {
            var directives = verify.directives
            directives.noTransaction = false
            text += section("verify", directives, body(verify, file: file).text)
        }
        if let b = m.baselineUp {
            notes.append("its baseline form (\(b.file)) is not carried over: Strata's layout has one file per version; `strata squash --through \(m.version.digits)` makes a baseline")
        }
        var checksum = Checksum.of(up.text)
        if let parsed = try? SectionParser.parse(text, file: file, wholeFile: nil), let p = parsed[.up] {
            checksum = p.checksum ?? Checksum.of(p.text)
        }
        return ConvertedMigration(version: m.version, name: m.name, file: file, text: text, sources: m.files, checksum: checksum,
                                  checksumKept: checksum == m.checksum, notes: notes)
    }

    /// The directives to write: `no-transaction` only where Strata would not infer it (a statement such as
    /// `CREATE INDEX CONCURRENTLY` takes a section out of the transaction by itself, and an extra line would change the checksum).
    static func written(_ script: MigrationScript) -> SectionDirectives {
        var d = script.directives
        if d.noTransaction && script.statements.contains(where: { NonTransactionalStatement.reason($0.sql) != nil }) { d.noTransaction = false }
        return d
    }

    static func section(_ kind: String, _ d: SectionDirectives, _ body: String) -> String {
        var s = "-- strata:\(kind)\n"
        if d.noTransaction { s += "-- strata:no-transaction\n" }
        if d.baseline && kind == "up" { s += "-- strata:baseline\n" }
        if let t = d.statementTimeout { s += "-- strata:timeout \(DurationText.format(t))\n" }
        if let t = d.lockTimeout { s += "-- strata:lock-timeout \(DurationText.format(t))\n" }
        return s + body + "\n"
    }

    /// The section's text when Strata reads the same statements from it (and it holds no line Strata would take
    /// for a marker), else the statements themselves, one per paragraph, with why.
    static func body(_ script: MigrationScript, file: String) -> (text: String, kept: Bool, why: String) {
        let markerLine = SectionParser.splitLines(script.text).contains { line in
            SectionParser.directiveText(line.drop { $0 == " " || $0 == "\t" }).map { SectionParser.knownDirectives.contains($0.0) } ?? false
        }
        // The old tool's statements as Strata's splitter reads each (goose keeps `; -- note` on a statement, say).
        let canonical = script.statements.flatMap { s in (try? StatementSplitter.split(s.sql).map(\.sql)) ?? [s.sql] }
        if !markerLine, let again = try? StatementSplitter.split(script.text), again.map(\.sql) == canonical {
            return (script.text, true, "")
        }
        let why = markerLine ? "its text has a line Strata reads as a `-- strata:` marker; written as its statements (checksum changes)"
            : "the statements differ from the text as written (placeholders or environment values substituted, or the tool splits statements differently); written as the statements that run (checksum changes)"
        let text = script.statements.map { s in
            // A statement whose last line ends in a comment gets its semicolon on a line of its own.
            (s.sql.split(separator: "\n").last?.contains("--") ?? false) ? s.sql + "\n;" : s.sql + ";"
        }.joined(separator: "\n\n")
        return (text, false, why)
    }
}

/// `strata convert` could not write its folder; what was written is removed.
public struct ConvertError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case usage, failure }
    public var kind: Kind
    public var description: String
}
