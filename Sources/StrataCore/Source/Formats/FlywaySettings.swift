import Foundation

/// The part of a Flyway configuration that changes how its SQL files read: placeholders and their syntax, and the
/// values of the built-in `${flyway:…}` placeholders. Read as Flyway reads it, later sources overriding earlier ones:
/// `flyway.conf` / `flyway.toml` (also under `conf/`) in the folder's parent, the folder itself and the working
/// directory, then the files `FLYWAY_CONFIG_FILES` names, then `FLYWAY_*` environment variables.
///
/// ```
/// # flyway.conf                        # flyway.toml
/// flyway.placeholders.owner=app        [flyway.placeholders]
/// flyway.defaultSchema=billing         owner = "app"
/// ```
///
/// ```swift
/// let settings = try FlywaySettings.load(directory: dir, variables: ProcessInfo.processInfo.environment)
/// settings.placeholders["owner"]   // "app"
/// ```
public struct FlywaySettings: Sendable, Hashable {
    /// User placeholders (`flyway.placeholders.NAME`, `[flyway.placeholders]`, `FLYWAY_PLACEHOLDERS_NAME`).
    public var placeholders: [String: String] = [:]
    /// `flyway.placeholderReplacement` (default true).
    public var replacement = true
    public var prefix = "${"
    public var suffix = "}"
    /// `flyway.defaultSchema`, else the first of `flyway.schemas`, else `public`.
    public var defaultSchema: String?
    public var schemas: [String] = []
    /// `flyway.table`.
    public var table = "flyway_schema_history"
    public var user: String?
    /// The database name from `flyway.url` (`jdbc:postgresql://host/NAME?…`).
    public var database: String?
    public var environment = "default"
    /// The configuration files read, for messages.
    public var files: [String] = []

    public init() {}

    /// Reads every configuration source. Problems (a file that cannot be parsed) name the file and line.
    public static func load(directory: URL, variables: [String: String],
                            workingDirectory: String = FileManager.default.currentDirectoryPath) throws(SourceError) -> FlywaySettings {
        var s = FlywaySettings()
        var problems: [SourceProblem] = []
        var candidates: [String] = []
        for base in [directory.deletingLastPathComponent().path, directory.path, workingDirectory] {
            for name in ["conf/flyway.conf", "conf/flyway.toml", "flyway.conf", "flyway.toml"] {
                let path = URL(fileURLWithPath: base).appendingPathComponent(name).standardizedFileURL.path
                if !candidates.contains(path) && FileManager.default.fileExists(atPath: path) { candidates.append(path) }
            }
        }
        for path in (variables["FLYWAY_CONFIG_FILES"] ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !path.isEmpty {
            candidates.append(path)
        }
        for path in candidates {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                problems.append(SourceProblem(file: path, message: "cannot read this Flyway configuration file (missing or not UTF-8)"))
                continue
            }
            s.files.append(path)
            if path.hasSuffix(".toml") {
                do { s.apply(toml: try ConfigFile.parse(text, path: path).root) } catch {
                    problems.append(SourceProblem(file: path, message: error.message))
                }
            } else {
                for (key, value) in properties(text) { s.apply(key: key, value: value) }
            }
        }
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) where name.hasPrefix("FLYWAY_") {
            let rest = String(name.dropFirst("FLYWAY_".count))
            if rest.hasPrefix("PLACEHOLDERS_") {
                s.placeholders[rest.dropFirst("PLACEHOLDERS_".count).lowercased()] = value
                continue
            }
            let keys = ["PLACEHOLDER_REPLACEMENT": "placeholderReplacement", "PLACEHOLDER_PREFIX": "placeholderPrefix",
                        "PLACEHOLDER_SUFFIX": "placeholderSuffix", "DEFAULT_SCHEMA": "defaultSchema", "SCHEMAS": "schemas",
                        "TABLE": "table", "USER": "user", "URL": "url", "ENVIRONMENT": "environment"]
            if let key = keys[rest] { s.apply(key: "flyway." + key, value: value) }
        }
        if !problems.isEmpty { throw SourceError(directory: directory.path, problems: problems) }
        return s
    }

    /// One `flyway.KEY=value` setting (the name as in `flyway.conf`).
    mutating func apply(key: String, value: String) {
        guard key.hasPrefix("flyway.") else { return }
        let k = String(key.dropFirst("flyway.".count))
        if k.hasPrefix("placeholders.") {
            placeholders[String(k.dropFirst("placeholders.".count))] = value
            return
        }
        switch k {
        case "placeholderReplacement": replacement = value.trimmingCharacters(in: .whitespaces).lowercased() != "false"
        case "placeholderPrefix": prefix = value
        case "placeholderSuffix": suffix = value
        case "defaultSchema": defaultSchema = value
        case "schemas": schemas = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case "table": table = value
        case "user": user = value
        case "url": database = Self.databaseName(jdbc: value)
        case "environment": environment = value
        default: break
        }
    }

    /// `flyway.toml`: the `[flyway]` table (with `[flyway.placeholders]`) and the chosen `[environments.NAME]`.
    mutating func apply(toml root: [String: ConfigValue]) {
        func text(_ v: ConfigValue) -> String? {
            switch v {
            case .string(let s): s
            case .int(let i): String(i)
            case .bool(let b): String(b)
            case .double(let d): String(d)
            case .array(let a): a.compactMap(text).joined(separator: ",")
            default: nil
            }
        }
        if case .table(let flyway)? = root["flyway"] {
            for (key, value) in flyway.sorted(by: { $0.key < $1.key }) {
                if key == "placeholders", case .table(let p) = value {
                    for (name, v) in p { if let t = text(v) { placeholders[name] = t } }
                } else if let t = text(value) {
                    apply(key: "flyway." + key, value: t)
                }
            }
        }
        if case .table(let envs)? = root["environments"], case .table(let env)? = envs[environment] {
            for key in ["url", "user", "schemas"] { if let v = env[key], let t = text(v) { apply(key: "flyway." + key, value: t) } }
            if case .table(let flyway)? = env["flyway"], case .table(let p)? = flyway["placeholders"] {
                for (name, v) in p { if let t = text(v) { placeholders[name] = t } }
            }
        }
    }

    /// `jdbc:postgresql://host:5432/app?ssl=true` → `app`.
    static func databaseName(jdbc url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let name = rest[rest.index(after: slash)...].prefix { $0 != "?" && $0 != ";" }
        return name.isEmpty ? nil : String(name)
    }

    /// Java `.properties` text as key/value pairs: `#`/`!` comments, `=`, `:` or space separators, `\` continuations.
    static func properties(_ text: String) -> [(String, String)] {
        var logical: [String] = []
        var pending = ""
        for raw in SectionParser.splitLines(text) {
            var line = String(raw.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" })
            if pending.isEmpty && (line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!")) { continue }
            let trailing = line.reversed().prefix { $0 == "\\" }.count
            if trailing % 2 == 1 {
                line.removeLast()
                pending += line
                continue
            }
            logical.append(pending + line)
            pending = ""
        }
        if !pending.isEmpty { logical.append(pending) }
        var out: [(String, String)] = []
        for line in logical {
            var key = "", value = "", escaped = false, inValue = false
            var chars = Substring(line)
            while let c = chars.first {
                chars.removeFirst()
                if escaped {
                    key.append(unescape(c))
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "=" || c == ":" || c == " " || c == "\t" {
                    inValue = true
                    break
                } else {
                    key.append(c)
                }
            }
            if inValue {
                chars = chars.drop { $0 == " " || $0 == "\t" }
                if let c = chars.first, c == "=" || c == ":" { chars = chars.dropFirst().drop { $0 == " " || $0 == "\t" } }
                var esc = false
                for c in chars {
                    if esc { value.append(unescape(c)); esc = false } else if c == "\\" { esc = true } else { value.append(c) }
                }
            }
            out.append((key, value))
        }
        return out
    }

    private static func unescape(_ c: Character) -> Character {
        switch c {
        case "n": "\n"
        case "t": "\t"
        case "r": "\r"
        default: c
        }
    }
}
