import Foundation

/// A parsed `sqitch.plan`: pragmas (`%project=flipr`), changes in plan order with their `requires`/`conflicts`,
/// and tags (`@v1.0`) attached to the change before them. Checked as Sqitch checks it: a required change must be
/// planned earlier (a later one is "planned before required change", a circle is a dependency cycle), a required
/// change must exist, a change reworked (planned again under the same name) needs a tag in between.
///
/// ```swift
/// let plan = try SqitchPlan.parse("%project=shop\n\nusers 2026-01-01T00:00:00Z Ann <ann@example.com>\n", file: "sqitch.plan")
/// plan.changes.map(\.name)   // ["users"]
/// ```
public struct SqitchPlan: Sendable, Hashable {
    public struct Change: Sendable, Hashable {
        public var name: String
        /// 1-based line in the plan file.
        public var line: Int
        public var requires: [String]
        public var conflicts: [String]
        /// Tags placed right after this change.
        public var tags: [String]
        public var note: String
        /// For a change reworked later in the plan: the first tag after this instance (its scripts are `name@tag.sql`).
        public var reworkTag: String?
        /// The script stem: `name`, or `name@tag` for an instance reworked later.
        public var scriptName: String { reworkTag.map { name + "@" + $0 } ?? name }
    }
    public var project: String?
    public var changes: [Change]

    public static func parse(_ text: String, file: String) throws(SourceError) -> SqitchPlan {
        var project: String?
        var changes: [Change] = []
        var problems: [SourceProblem] = []
        for (i, raw) in SectionParser.splitLines(text).enumerated() {
            let lineNumber = i + 1
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("%") {
                let pragma = line.dropFirst().split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pragma.first == "project", pragma.count == 2 { project = pragma[1] }
                continue
            }
            var note = ""
            if let hash = line.firstIndex(of: "#") {
                note = line[line.index(after: hash)...].trimmingCharacters(in: .whitespaces)
                line = String(line[..<hash]).trimmingCharacters(in: .whitespaces)
            }
            if line.hasPrefix("@") {
                let tag = String(line.dropFirst().prefix { !$0.isWhitespace })
                guard !changes.isEmpty else {
                    problems.append(SourceProblem(file: file, line: lineNumber, message: "tag @\(tag) before any change; a tag names the change before it"))
                    continue
                }
                changes[changes.count - 1].tags.append(tag)
                continue
            }
            var rest = Substring(line)
            if rest.first == "+" || rest.first == "-" {
                if rest.first == "-" {
                    problems.append(SourceProblem(file: file, line: lineNumber, message: "a `-` (revert) entry; Strata reads plans whose changes are deployed in order only"))
                    continue
                }
                rest = rest.dropFirst()
            }
            let name = String(rest.prefix { !$0.isWhitespace && $0 != "[" })
            guard !name.isEmpty, !name.contains(where: { ":@#\\".contains($0) }) else {
                problems.append(SourceProblem(file: file, line: lineNumber, column: 1, message: "`\(line)` is not a change line (name [requires] timestamp planner <email> # note)"))
                continue
            }
            rest = rest.dropFirst(name.count).drop(while: \.isWhitespace)
            var requires: [String] = [], conflicts: [String] = []
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else {
                    problems.append(SourceProblem(file: file, line: lineNumber, message: "unterminated dependency list: `[` without `]`"))
                    continue
                }
                for dep in rest[rest.index(after: rest.startIndex)..<close].split(whereSeparator: \.isWhitespace) {
                    if dep.hasPrefix("!") { conflicts.append(String(dep.dropFirst())) } else { requires.append(String(dep)) }
                }
            }
            changes.append(Change(name: name, line: lineNumber, requires: requires, conflicts: conflicts, tags: [], note: note))
        }
        problems += check(&changes, file: file)
        if !problems.isEmpty { throw SourceError(directory: file, problems: problems) }
        return SqitchPlan(project: project, changes: changes)
    }

    /// Rework tags, then dependencies: unknown, planned later, circular; conflicts with a change deployed before.
    static func check(_ changes: inout [Change], file: String) -> [SourceProblem] {
        var problems: [SourceProblem] = []
        for i in changes.indices {
            guard let next = changes[(i + 1)...].firstIndex(where: { $0.name == changes[i].name }) else { continue }
            guard let tag = changes[i...next].dropLast().flatMap(\.tags).first else {
                problems.append(SourceProblem(file: file, line: changes[next].line, message: "change \"\(changes[i].name)\" is planned again (reworked) without a tag after line \(changes[i].line); Sqitch requires a tag between a change and its rework"))
                continue
            }
            changes[i].reworkTag = tag
        }
        let tagged = Set(changes.flatMap(\.tags))
        /// The plan index a dependency names, seen from change `i`: `name`, `name@tag`, or nil for another project's.
        func target(_ dep: String, from i: Int) -> Int?? {
            if dep.contains(":") { return .some(nil) }
            let parts = dep.split(separator: "@", maxSplits: 1).map(String.init)
            let name = parts.first ?? dep
            if parts.count == 2 {
                guard tagged.contains(parts[1]) else { return nil }
                guard let j = changes.firstIndex(where: { $0.name == name && $0.reworkTag == parts[1] }) ?? changes.firstIndex(where: { $0.name == name }) else { return nil }
                return .some(j)
            }
            // Without a tag: the newest instance planned before i, else (for the messages) any later one.
            if let before = changes[..<i].lastIndex(where: { $0.name == name }) { return .some(before) }
            if let after = changes[(i + 1)...].firstIndex(where: { $0.name == name }) { return .some(after) }
            return nil
        }
        var forward: [Int: [Int]] = [:]
        for (i, c) in changes.enumerated() {
            for dep in c.requires {
                switch target(dep, from: i) {
                case nil:
                    problems.append(SourceProblem(file: file, line: c.line, message: "unknown change \"\(dep)\" required by change \"\(c.name)\""))
                case .some(nil):
                    continue  // another project's change: Sqitch checks it at deploy against its registry
                case .some(.some(let j)) where j > i:
                    forward[i, default: []].append(j)
                default:
                    continue
                }
            }
            for dep in c.conflicts {
                if case .some(.some(let j)) = target(dep, from: i), j < i, !changes[(j + 1)..<i].contains(where: { $0.name == changes[j].name }) {
                    problems.append(SourceProblem(file: file, line: c.line, message: "change \"\(c.name)\" conflicts with change \"\(dep)\", which the plan deploys before it (line \(changes[j].line)); Sqitch refuses to deploy it while \"\(dep)\" is deployed"))
                }
            }
        }
        var reported = Set<Int>()
        for (i, targets) in forward.sorted(by: { $0.key < $1.key }) {
            for j in targets {
                if let cycle = path(from: j, to: i, forward: forward, changes: changes), !reported.contains(i) {
                    reported.formUnion(cycle)
                    let names = ([i] + cycle).map { "\"\(changes[$0].name)\" (line \(changes[$0].line))" }
                    problems.append(SourceProblem(file: file, line: changes[i].line, message: "dependency cycle detected between changes " + names.joined(separator: " → ")))
                } else if !reported.contains(i) {
                    problems.append(SourceProblem(file: file, line: changes[i].line, message: "change \"\(changes[i].name)\" planned \(j - i) change\(j - i == 1 ? "" : "s") before required change \"\(changes[j].name)\" (line \(changes[j].line)); move \"\(changes[j].name)\" above it"))
                }
            }
        }
        return problems
    }

    /// A chain of requirements leading from change `start` to `goal` (for cycles), through any earlier or later change.
    static func path(from start: Int, to goal: Int, forward: [Int: [Int]], changes: [Change]) -> [Int]? {
        var seen = Set<Int>()
        func visit(_ n: Int, _ trail: [Int]) -> [Int]? {
            if n == goal { return trail }
            guard seen.insert(n).inserted else { return nil }
            let deps = changes[n].requires.compactMap { dep in changes.indices.first { changes[$0].name == dep.split(separator: "@").first.map(String.init) } }
            for d in deps + (forward[n] ?? []) { if let found = visit(d, trail + [d]) { return found } }
            return nil
        }
        return visit(start, [start])
    }
}
