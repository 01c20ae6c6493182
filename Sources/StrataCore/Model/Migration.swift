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
public struct MigrationScript: Sendable, Hashable {
    /// The file that holds the section.
    public var file: String
    /// The section's raw text, exactly as in the file (used for the checksum).
    public var text: String
    /// The statements, with line numbers in `file`.
    public var statements: [SQLStatement]
    public var directives: SectionDirectives

    public init(file: String, text: String, statements: [SQLStatement], directives: SectionDirectives = .init()) {
        self.file = file
        self.text = text
        self.statements = statements
        self.directives = directives
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
    public var version: MigrationVersion
    public var name: String
    public var up: MigrationScript
    public var down: MigrationScript?
    public var verify: MigrationScript?
    /// SHA-256 (hex) of the up section, line endings normalised.
    public var checksum: String
    /// Every file the migration was read from, relative to the migrations directory.
    public var files: [String]
    /// Set when the migration was read from another tool's layout (see ``MigrationFormat``).
    public var origin: MigrationOrigin?

    public var id: MigrationVersion { version }

    public init(version: MigrationVersion, name: String, up: MigrationScript, down: MigrationScript?, verify: MigrationScript?, files: [String],
                checksum: String? = nil, origin: MigrationOrigin? = nil) {
        self.origin = origin
        self.version = version
        self.name = name
        self.up = up
        self.down = down
        self.verify = verify
        self.files = files
        self.checksum = checksum ?? Checksum.of(up.text)
    }

    /// A second form of this version that stands for every migration up to it (Flyway's `B3__x.sql` next to
    /// `V3__x.sql`): a fresh database runs this instead of ``up`` and skips the earlier migrations.
    public var baselineUp: MigrationScript?

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
