import ArgumentParser
import Foundation
import StrataKit

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show every migration and whether it is applied, pending, missing, changed or dirty.")

    @OptionGroup var global: GlobalOptions

    /// `status --json`: a stable shape.
    struct JSON: Encodable {
        struct Item: Encodable {
            var version: String
            var name: String
            var state: String
            var appliedAt: Date?
            var checksum: String?
            var file: String?
            var failedStatement: Int?

            /// Every documented key is present; an absent value is `null` rather than a missing key.
            enum CodingKeys: String, CodingKey { case version, name, state, appliedAt, checksum, file, failedStatement }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(version, forKey: .version)
                try c.encode(name, forKey: .name)
                try c.encode(state, forKey: .state)
                try c.encode(appliedAt, forKey: .appliedAt)
                try c.encode(checksum, forKey: .checksum)
                try c.encode(file, forKey: .file)
                try c.encode(failedStatement, forKey: .failedStatement)
            }
        }
        var database: String
        var environment: String?
        var directory: String
        var format: String?
        var current: String?
        var pending: Int
        var migrations: [Item]

        enum CodingKeys: String, CodingKey { case database, environment, directory, format, current, pending, migrations }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(database, forKey: .database)
            try c.encode(environment, forKey: .environment)
            try c.encode(directory, forKey: .directory)
            try c.encode(format, forKey: .format)
            try c.encode(current, forKey: .current)
            try c.encode(pending, forKey: .pending)
            try c.encode(migrations, forKey: .migrations)
        }
    }

    func run() async throws {
        try await CommandContext.run(global) { ctx in
            let migrations = try await ctx.loadMigrations(checkSum: false)
            let (applied, statuses) = try await ctx.migrator().status(migrations: migrations)
            let current = applied.filter { $0.state == .applied && !$0.version.isRepeatable }.map(\.version).max()
            let out = ctx.output
            if out.json {
                out.emitJSON(JSON(database: ctx.config.target.display, environment: ctx.config.environment, directory: ctx.directoryDisplay, format: ctx.layout?.format.displayName,
                                  current: current?.digits, pending: statuses.reduce(0) { $0 + ($1.state == .pending ? 1 : 0) },
                                  migrations: statuses.map { .init(version: $0.version.digits, name: $0.name, state: $0.state.rawValue, appliedAt: $0.appliedAt,
                                                                   checksum: $0.checksum ?? $0.appliedChecksum, file: $0.file.map { "\(ctx.directoryDisplay)/\($0)" },
                                                                   failedStatement: $0.failedStatement) }))
                return
            }
            out.line("Database:   \(ctx.config.target.display)\(ctx.config.environment.map { " (environment \($0))" } ?? "")")
            out.line("Migrations: \(ctx.directoryDisplay)\(ctx.layout.map { " (layout: \($0.summary))" } ?? "")")
            out.line()
            if statuses.isEmpty {
                out.line("No migrations yet. Create one with `strata new NAME`.")
                return
            }
            var rows = [["VERSION", "NAME", "STATE", "APPLIED AT"]]
            for s in statuses {
                let state: String = switch s.state {
                case .applied: out.paint("applied", .green)
                case .pending: out.paint(s.appliedChecksum != nil ? "pending (changed, runs again)" : "pending", .yellow)
                case .missing, .changed: out.paint(s.state.rawValue, .red)
                case .covered: out.paint("covered by baseline", .green)
                case .archived: out.paint("applied (archived)", .green)
                case .dirty: out.paint("dirty (statement \(s.failedStatement ?? 0))", .red)
                }
                rows.append([s.version.digits, s.name, state, s.appliedAt.map(Timestamps.format) ?? "-"])
            }
            out.table(rows)
            var counts: [MigrationStatus.State: Int] = [:]   // counted, not grouped: grouping copied every status
            for s in statuses { counts[s.state, default: 0] += 1 }
            out.line()
            out.line("\(counts[.applied] ?? 0) applied, \(counts[.pending] ?? 0) pending" +
                     [MigrationStatus.State.covered, .archived, .missing, .changed, .dirty].compactMap { st in counts[st].map { ", \($0) \(st.rawValue)" } }.joined() +
                     "; current version: \(current?.digits ?? "none")")
        }
    }
}
