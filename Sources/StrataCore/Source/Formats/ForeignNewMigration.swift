import Foundation

/// What `strata new` writes in a folder kept in another tool's layout: the files that tool's own "create" command
/// would make, named and numbered its way, so the folder stays readable by the tool and by Strata.
///
/// | layout | new files |
/// |---|---|
/// | goose | `<YYYYMMDDHHMMSS>_<name>.sql` with `-- +goose Up` / `Down` (`--sequence`: `00001_…`) |
/// | golang-migrate | `<YYYYMMDDHHMMSS>_<name>.up.sql` + `.down.sql` (`--sequence`: `000001_…`) |
/// | dbmate | `<YYYYMMDDHHMMSS>_<name>.sql` with `-- migrate:up` / `down` |
/// | diesel | `<YYYY-MM-DD-HHMMSS>_<name>/up.sql` + `down.sql` |
/// | Flyway | `V<next>__<name>.sql` (next integer when the versions are small numbers, else a timestamp) |
/// | Sqitch | a line appended to `sqitch.plan`, `deploy/`, `revert/`, `verify/<name>.sql` |
/// | drizzle | refused: drizzle-kit generates its migrations and snapshots (`drizzle-kit generate --custom`) |
///
/// ```swift
/// let plan = try ForeignNewMigration.files(format: .goose, directory: dir, slug: "add_users", now: Date(), sequence: false, variables: [:])
/// for f in plan.files { print(f.path) }
/// ```
public enum ForeignNewMigration {
    public struct File: Sendable, Hashable {
        /// Relative to the migrations folder.
        public var path: String
        public var text: String
        /// Appended to an existing file (`sqitch.plan`) instead of created.
        public var append: Bool
    }

    public struct Plan: Sendable, Hashable {
        public var version: String
        public var files: [File]
    }

    /// The folder's layout has no "new migration" Strata can write (drizzle), or the name is taken.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A file of the plan could not be written (`path` relative to the folder).
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Writes `plan` into `directory`: checks first that no file it creates exists, then creates the files and
    /// appends to the ones it extends (`sqitch.plan`).
    public static func write(_ plan: Plan, into directory: URL) throws(WriteError) {
        let fm = FileManager.default
        for f in plan.files where !f.append && fm.fileExists(atPath: directory.appendingPathComponent(f.path).path) {
            throw WriteError(path: f.path, reason: "it already exists")
        }
        for f in plan.files {
            let url = directory.appendingPathComponent(f.path)
            do {
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                if f.append {
                    let handle = try FileHandle(forWritingTo: url)
                    defer { try? handle.close() }
                    try handle.seekToEnd()
                    try handle.write(contentsOf: Data(f.text.utf8))
                } else {
                    try Data(f.text.utf8).write(to: url, options: .withoutOverwriting)
                }
            } catch {
                throw WriteError(path: f.path, reason: (error as NSError).localizedDescription)
            }
        }
    }

    static func padded(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    public static func files(format: MigrationFormat, directory: URL, slug: String, now: Date, sequence: Bool,
                             variables: [String: String]) throws -> Plan {
        let ts = MigrationFileName.timestamp(now)
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        func nextNumber() -> Int { (existing.compactMap { FormatFiles.leadingDigits($0).flatMap { Int($0) } }.filter { $0 < 1_000_000_000 }.max() ?? 0) + 1 }
        switch format {
        case .strata:
            throw Refusal(description: "Strata's own layout is written by `strata new` itself")
        case .goose:
            let v = sequence ? padded(nextNumber(), 5) : ts
            return Plan(version: v, files: [File(path: "\(v)_\(slug).sql", text: """
                -- +goose Up
                -- +goose StatementBegin
                SELECT 'up SQL query';
                -- +goose StatementEnd

                -- +goose Down
                -- +goose StatementBegin
                SELECT 'down SQL query';
                -- +goose StatementEnd

                """, append: false)])
        case .golangMigrate:
            let v = sequence ? padded(nextNumber(), 6) : ts
            return Plan(version: v, files: [File(path: "\(v)_\(slug).up.sql", text: "", append: false),
                                            File(path: "\(v)_\(slug).down.sql", text: "", append: false)])
        case .dbmate:
            return Plan(version: ts, files: [File(path: "\(ts)_\(slug).sql", text: "-- migrate:up\n\n\n-- migrate:down\n\n", append: false)])
        case .diesel:
            let folder = "\(MigrationFileName.timestamp(now, format: "yyyy-MM-dd-HHmmss"))_\(slug)"
            return Plan(version: ts, files: [
                File(path: "\(folder)/up.sql", text: "-- Your SQL goes here\n", append: false),
                File(path: "\(folder)/down.sql", text: "-- This file should undo anything in `up.sql`\n", append: false),
            ])
        case .flyway:
            // Flyway reads subfolders too: every script there counts.
            let all = ((try? FlywaySource.files(directory)) ?? []).map { ($0 as NSString).lastPathComponent }
            let versions = all.compactMap { try? FlywayFileName.parse($0) }.filter { $0.kind != .repeatable }
                .compactMap { Int($0.versionText.split(separator: ".").first ?? "") }
            let small = versions.allSatisfy { $0 < 1_000_000_000 }
            let v = sequence || (!versions.isEmpty && small) ? String((versions.max() ?? 0) + 1) : ts
            return Plan(version: v, files: [File(path: "V\(v)__\(slug).sql", text: "-- Write the change here, e.g. CREATE TABLE ...;\n", append: false)])
        case .sqitch:
            let planText = (try? String(contentsOf: directory.appendingPathComponent(SqitchSource.planFile), encoding: .utf8)) ?? ""
            let plan = try SqitchPlan.parse(planText, file: SqitchSource.planFile)
            if plan.changes.contains(where: { $0.name == slug }) {
                throw Refusal(description: "sqitch.plan already has a change named \(slug); Sqitch reworks a change with `sqitch rework`, not by adding it again")
            }
            let project = plan.project ?? "project"
            let name = variables["SQITCH_FULLNAME"] ?? variables["USER"] ?? "strata"
            let email = variables["SQITCH_EMAIL"] ?? "\(variables["USER"] ?? "strata")@\(ProcessInfo.processInfo.hostName)"
            let line = "\(slug) \(MigrationFileName.timestamp(now, format: "yyyy-MM-dd'T'HH:mm:ss'Z'")) \(name) <\(email)> # Add \(slug).\n"
            let separator = planText.isEmpty || planText.hasSuffix("\n") ? "" : "\n"
            return Plan(version: String(plan.changes.count + 1), files: [
                File(path: SqitchSource.planFile, text: separator + line, append: true),
                File(path: "deploy/\(slug).sql", text: "-- Deploy \(project):\(slug) to pg\n\nBEGIN;\n\n-- XXX Add DDLs here.\n\nCOMMIT;\n", append: false),
                File(path: "revert/\(slug).sql", text: "-- Revert \(project):\(slug) from pg\n\nBEGIN;\n\n-- XXX Add DDLs here.\n\nCOMMIT;\n", append: false),
                File(path: "verify/\(slug).sql", text: "-- Verify \(project):\(slug) on pg\n\nBEGIN;\n\n-- XXX Add verifications here.\n\nROLLBACK;\n", append: false),
            ])
        case .drizzle:
            throw Refusal(description: "drizzle-kit generates drizzle migrations together with its schema snapshots: run `drizzle-kit generate` (or `drizzle-kit generate --custom --name \(slug)` for hand-written SQL); Strata runs the result as it is")
        }
    }
}
