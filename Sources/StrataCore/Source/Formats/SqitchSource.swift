import Foundation

/// A Sqitch project folder: `sqitch.plan` (``SqitchPlan``) gives the order, `deploy/<change>.sql` the up section,
/// `revert/<change>.sql` the down section and `verify/<change>.sql` the verify section, run after each deploy in the
/// same transaction (its own `BEGIN`/`ROLLBACK` lines are dropped: Strata rolls back the whole migration when it
/// fails). A change reworked later in the plan reads `deploy/<change>@<tag>.sql` for its earlier instance, as Sqitch
/// does. Scripts that manage their own transaction (`BEGIN;` … `COMMIT;`, Sqitch's template) run as written.
///
/// The Strata version of a change is its position in the plan (`1`, `2`, …); its ``MigrationOrigin/key`` is the
/// change name (what `sqitch.changes` records). Changes are appended to a Sqitch plan, so positions stay put.
///
/// ```swift
/// let reading = try SqitchSource(directory: dir).read()
/// reading.migrations.map(\.name)   // ["appschema", "users", "users"]
/// ```
public struct SqitchSource: FormatReader {
    public static let format = MigrationFormat.sqitch
    public static let planFile = "sqitch.plan"
    public let directory: URL
    public init(directory: URL) { self.directory = directory }

    public func read() throws -> FormatReading {
        let planText: String
        do { planText = try FormatFiles.read(directory, Self.planFile) } catch {
            throw SourceError(directory: location, problems: [error])
        }
        let plan: SqitchPlan
        do { plan = try SqitchPlan.parse(planText, file: Self.planFile) } catch { throw SourceError(directory: location, problems: error.problems) }
        var problems: [SourceProblem] = []
        var warnings: [String] = []
        var migrations: [Migration] = []
        for (index, change) in plan.changes.enumerated() {
            guard let version = MigrationVersion(String(index + 1)) else { continue }
            do { migrations.append(try migration(change, version: version, warnings: &warnings)) } catch { problems.append(error) }
        }
        if !problems.isEmpty { throw SourceError(directory: location, problems: FormatFiles.sorted(problems)) }
        return FormatReading(format: .sqitch, migrations: migrations, warnings: warnings)
    }

    /// One change of the plan as a migration: its deploy, revert and verify scripts.
    func migration(_ change: SqitchPlan.Change, version: MigrationVersion, warnings: inout [String]) throws(SourceProblem) -> Migration {
        let deployFile = "deploy/\(change.scriptName).sql", revertFile = "revert/\(change.scriptName).sql", verifyFile = "verify/\(change.scriptName).sql"
        guard FormatFiles.exists(directory, deployFile) else {
            throw SourceProblem(file: Self.planFile, line: change.line, message: "change \"\(change.name)\" has no deploy script \(deployFile)")
        }
        let up = try section(deployFile)
        var down: MigrationScript?
        if FormatFiles.exists(directory, revertFile) { down = try section(revertFile) }
        if down == nil { warnings.append("\(change.name): no \(revertFile); `strata down` cannot revert it") }
        var verify: MigrationScript?
        if FormatFiles.exists(directory, verifyFile) {
            let v = try section(verifyFile)
            verify = MigrationScript(file: v.file, text: v.text, statements: v.statements.filter { SectionParser.transactionControl($0.sql) == nil })
        }
        let files = [deployFile] + (down != nil ? [revertFile] : []) + (verify != nil ? [verifyFile] : [])
        return Migration(version: version, name: change.name, up: up, down: down, verify: verify, files: files,
                         origin: MigrationOrigin(format: .sqitch, key: change.name))
    }

    func section(_ file: String) throws(SourceProblem) -> MigrationScript {
        let text = try FormatFiles.read(directory, file)
        return FormatFiles.script(file: file, text: text, statements: try FormatFiles.split(text, startLine: 1, file: file), toolSaysNoTransaction: false)
    }

    /// `sqitch.plan` is part of what the set is: `strata.sum` covers it too.
    public func sumEntries(for migrations: [Migration]) async throws -> [SumEntry] {
        try [SumEntry(path: Self.planFile, checksum: Checksum.of(try FormatFiles.read(directory, Self.planFile)))]
            + FormatFiles.sumEntries(directory: directory, migrations: migrations)
    }
}
