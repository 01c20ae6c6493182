import Foundation

/// Options a migration section sets with directives such as `-- strata:no-transaction`.
public struct SectionDirectives: Sendable, Hashable, Codable {
    /// Run the section outside a transaction, statement by statement (`-- strata:no-transaction`).
    public var noTransaction: Bool = false
    /// `statement_timeout` for the section (`-- strata:timeout 30m`).
    public var statementTimeout: Duration?
    /// `lock_timeout` for the section (`-- strata:lock-timeout 5s`).
    public var lockTimeout: Duration?
    /// The migration is a baseline (`-- strata:baseline` in the up section; Flyway's `B` files; what `strata squash`
    /// writes): it stands for every migration up to its version. A fresh database runs it and skips the migrations it
    /// covers; a database that already has migrations up to its version treats it as applied without running it.
    public var baseline: Bool = false
    public init(noTransaction: Bool = false, statementTimeout: Duration? = nil, lockTimeout: Duration? = nil, baseline: Bool = false) {
        self.baseline = baseline
        self.noTransaction = noTransaction
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
    }
}

/// One section (up, down or verify) of a migration: its SQL, split into statements.
///
/// A script read from a file keeps only its text: ``statements`` splits it again when asked (the split is
/// deterministic and already succeeded when the file was read). Over 10,000 migrations the statement arrays and
/// their strings were a quarter of the heap of a run with nothing to do; code that reads the statements more than
/// once takes them into a local first.
///
/// ```swift
/// let script = MigrationScript(file: "0001_init.sql", text: "CREATE TABLE t (id int);",
///                              statements: [SQLStatement(sql: "CREATE TABLE t (id int)", line: 1, column: 1)])
/// print(script.statementCount)  // 1
/// ```
public struct MigrationScript: Sendable, Hashable {
    /// Where the statements are: listed, or to be split from ``text`` (starting at a file line).
    private enum Statements: Sendable {
        case listed([SQLStatement])
        case inText(startLine: Int32, count: Int32, nonTransactional: Bool)
    }

    /// Directives other than the defaults, in a box of their own (most sections have none: 50 bytes less per section).
    private final class DirectivesBox: Sendable {
        let value: SectionDirectives
        init(_ value: SectionDirectives) { self.value = value }
    }

    /// The file that holds the section.
    public var file: String
    private var storedText: String
    private var storedStatements: Statements
    private var storedDirectives: DirectivesBox?

    public var directives: SectionDirectives {
        get { storedDirectives?.value ?? SectionDirectives() }
        set { storedDirectives = newValue == SectionDirectives() ? nil : DirectivesBox(newValue) }
    }

    /// The section's raw text, exactly as in the file (used for the checksum).
    public var text: String {
        get { storedText }
        set {
            if case .inText = storedStatements { storedStatements = .listed(statements) }
            storedText = newValue
        }
    }

    /// The statements, with line numbers in `file`.
    public var statements: [SQLStatement] {
        get {
            switch storedStatements {
            case .listed(let list):
                return list
            case .inText(let startLine, _, _):
                // Cannot fail: the same text was split when the file was read. Were it to, the whole text goes to the
                // database as one statement (and fails there with the server's message), never nothing.
                return (try? StatementSplitter.split(storedText, startLine: Int(startLine)))
                    ?? [SQLStatement(sql: storedText, line: Int(startLine), column: 1)]
            }
        }
        set { storedStatements = .listed(newValue) }
    }

    /// How many statements the section has (without splitting it again).
    public var statementCount: Int {
        switch storedStatements {
        case .listed(let list): list.count
        case .inText(_, let count, _): Int(count)
        }
    }

    /// Whether `word` appears in what the section runs, case-insensitively as a whole word: in its text for a script
    /// read from a file (comments included, so a mention in a comment counts too), else in its statements (which may
    /// differ from the text: another tool's placeholders are filled in the statements, not the text).
    ///
    /// ```swift
    /// script.mentions(word: "statement_timeout")   // true for `SET statement_timeout = '5s';`
    /// ```
    public func mentions(word: String) -> Bool {
        switch storedStatements {
        case .listed(let list): list.contains { TextScan.containsWordIgnoringCase($0.sql, word) }
        case .inText: TextScan.containsWordIgnoringCase(storedText, word)
        }
    }

    /// Whether a statement of the section cannot run in a transaction (see ``NonTransactionalStatement``), known
    /// without splitting the text again for a script read from a file.
    public var holdsNonTransactionalStatement: Bool {
        switch storedStatements {
        case .listed(let list): list.contains { NonTransactionalStatement.reason($0.sql) != nil }
        case .inText(_, _, let nonTransactional): nonTransactional
        }
    }

    public init(file: String, text: String, statements: [SQLStatement], directives: SectionDirectives = .init()) {
        self.file = file
        self.storedText = text
        self.storedStatements = .listed(statements)
        self.storedDirectives = directives == SectionDirectives() ? nil : DirectivesBox(directives)
    }

    /// A script whose statements are split from `text` when asked: `section` was split from this very text when its
    /// file was read.
    init(file: String, section: ParsedSection) {
        self.file = file
        self.storedText = section.text
        let directives = section.directives
        self.storedDirectives = directives == SectionDirectives() ? nil : DirectivesBox(directives)
        if let start = Int32(exactly: section.startLine), let count = Int32(exactly: section.statementCount) {
            self.storedStatements = .inText(startLine: start, count: count, nonTransactional: section.holdsNonTransactionalStatement)
        } else {
            self.storedStatements = .listed(section.statements)
        }
    }

    public static func == (a: MigrationScript, b: MigrationScript) -> Bool {
        guard a.file == b.file, a.directives == b.directives, a.storedText == b.storedText else { return false }
        if case .inText(let x, let xCount, _) = a.storedStatements, case .inText(let y, let yCount, _) = b.storedStatements {
            return x == y || (xCount == 0 && yCount == 0)   // the same text from another line: other statement lines
        }
        return a.statements == b.statements
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(file)
        hasher.combine(storedText)
        hasher.combine(directives)
    }
}

/// A migration read from a source: a version, a name, and its up, down and verify sections.
///
/// ```swift
/// let source = DirectorySource(directory: URL(fileURLWithPath: "migrations"))
/// let migrations = try await source.migrations()
/// print(migrations.map(\.version))
/// ```
public struct Migration: Sendable, Hashable, Identifiable {
    /// The fields live in one reference-counted box, copied only when a shared one is changed: plans, statuses and
    /// reports copy migrations freely, and over 10,000 of them a field-by-field copy (a dozen strings and arrays each)
    /// cost a fifth of a no-op run in reference counting alone.
    private final class Storage: @unchecked Sendable {
        var version: MigrationVersion
        var name: String
        var up: MigrationScript
        var down: MigrationScript?
        var checksum: Checksum.Value
        /// Nil when the migration's only file is its up section's (most are one file; an array each is 10,000
        /// allocations over 10,000 migrations).
        var files: [String]?
        var extras: Extras?

        init(version: MigrationVersion, name: String, up: MigrationScript, down: MigrationScript?, checksum: Checksum.Value, files: [String]?, extras: Extras?) {
            self.version = version
            self.name = name
            self.up = up
            self.down = down
            self.checksum = checksum
            self.files = files
            self.extras = extras
        }

        func copy() -> Storage {
            Storage(version: version, name: name, up: up, down: down, checksum: checksum, files: files, extras: extras)
        }
    }

    /// The fields most migrations do not have, in a box of their own that is absent when all are: three optional
    /// scripts and an origin held inline made each migration 250 bytes larger (2.5 MB over 10,000). Never changed in
    /// place; a change replaces the box.
    private final class Extras: Sendable {
        let verify: MigrationScript?
        let origin: MigrationOrigin?
        let baselineUp: MigrationScript?

        private init(verify: MigrationScript?, origin: MigrationOrigin?, baselineUp: MigrationScript?) {
            self.verify = verify
            self.origin = origin
            self.baselineUp = baselineUp
        }

        /// The box for these fields; nil when none is set.
        static func make(verify: MigrationScript?, origin: MigrationOrigin?, baselineUp: MigrationScript?) -> Extras? {
            verify == nil && origin == nil && baselineUp == nil ? nil : Extras(verify: verify, origin: origin, baselineUp: baselineUp)
        }
    }

    private var storage: Storage

    /// The storage, unshared first (copy on write).
    private var unique: Storage {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
            return storage
        }
    }

    public var version: MigrationVersion {
        get { storage.version }
        set { unique.version = newValue }
    }
    public var name: String {
        get { storage.name }
        set { unique.name = newValue }
    }
    public var up: MigrationScript {
        get { storage.up }
        set {
            let s = unique
            if s.files == nil { s.files = [s.up.file] }   // the files stay what they were
            s.up = newValue
        }
    }
    public var down: MigrationScript? {
        get { storage.down }
        set { unique.down = newValue }
    }
    public var verify: MigrationScript? {
        get { storage.extras?.verify }
        set { let e = storage.extras; unique.extras = .make(verify: newValue, origin: e?.origin, baselineUp: e?.baselineUp) }
    }
    /// SHA-256 (hex) of the up section, line endings normalised.
    public var checksum: String {
        get { storage.checksum.text }
        set { unique.checksum = Checksum.Value(newValue) }
    }
    /// ``checksum`` as held (compared without building the text).
    public var checksumValue: Checksum.Value { storage.checksum }
    /// Every file the migration was read from, relative to the migrations directory.
    public var files: [String] {
        get { storage.files ?? [storage.up.file] }
        set { let s = unique; s.files = newValue == [s.up.file] ? nil : newValue }
    }
    /// Set when the migration was read from another tool's layout (see ``MigrationFormat``).
    public var origin: MigrationOrigin? {
        get { storage.extras?.origin }
        set { let e = storage.extras; unique.extras = .make(verify: e?.verify, origin: newValue, baselineUp: e?.baselineUp) }
    }

    public var id: MigrationVersion { version }

    public init(version: MigrationVersion, name: String, up: MigrationScript, down: MigrationScript?, verify: MigrationScript?, files: [String],
                checksum: String? = nil, origin: MigrationOrigin? = nil) {
        storage = Storage(version: version, name: name, up: up, down: down, checksum: Checksum.Value(checksum ?? Checksum.of(up.text)),
                          files: files == [up.file] ? nil : files,
                          extras: .make(verify: verify, origin: origin, baselineUp: nil))
    }

    /// A migration whose checksum is already known as a value (see ``Checksum/Value``).
    init(version: MigrationVersion, name: String, up: MigrationScript, down: MigrationScript?, verify: MigrationScript?, files: [String],
         checksumValue: Checksum.Value) {
        storage = Storage(version: version, name: name, up: up, down: down, checksum: checksumValue, files: files == [up.file] ? nil : files,
                          extras: .make(verify: verify, origin: nil, baselineUp: nil))
    }

    /// A second form of this version that stands for every migration up to it (Flyway's `B3__x.sql` next to
    /// `V3__x.sql`): a fresh database runs this instead of ``up`` and skips the earlier migrations.
    public var baselineUp: MigrationScript? {
        get { storage.extras?.baselineUp }
        set { let e = storage.extras; unique.extras = .make(verify: e?.verify, origin: e?.origin, baselineUp: newValue) }
    }

    public static func == (a: Migration, b: Migration) -> Bool {
        if a.storage === b.storage { return true }
        let x = a.storage, y = b.storage
        return x.version == y.version && x.name == y.name && x.checksum == y.checksum && x.up == y.up && x.down == y.down
            && a.files == b.files && a.verify == b.verify && a.origin == b.origin && a.baselineUp == b.baselineUp
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.version)
        hasher.combine(storage.checksum)
        hasher.combine(storage.name)
    }

    /// Whether the migration can start a fresh database (see ``SectionDirectives/baseline``): its up section is a
    /// baseline, or it has a ``baselineUp`` form.
    public var isBaseline: Bool { up.directives.baseline || baselineUp != nil }
    /// Whether the migration is only a baseline (its up section is one): a database that already has migrations never runs it.
    public var isPureBaseline: Bool { up.directives.baseline }
    /// The script a fresh database runs when it starts from this version.
    public var baselineScript: MigrationScript? { baselineUp ?? (up.directives.baseline ? up : nil) }
    /// Checksum of ``baselineUp``, when there is one (an applied row may hold it instead of ``checksum``).
    public var baselineChecksum: String? { baselineUp.map { Checksum.of($0.text) } }

    /// This migration as a fresh database runs it: its baseline form as the up section.
    public func asBaseline() -> Migration {
        guard let b = baselineUp else { return self }
        var m = self
        m.up = b
        m.checksum = Checksum.of(b.text)
        m.baselineUp = nil
        return m
    }
    /// Whether the migration is repeatable (see ``MigrationVersion/init(repeatable:)``).
    public var isRepeatable: Bool { version.isRepeatable }

    /// `version_name`, how the migration is named in messages.
    public var label: String { name.isEmpty ? version.digits : "\(version.digits)_\(name)" }
}
