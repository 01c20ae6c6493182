import Foundation

/// Reads dotenv files (`KEY=value` lines, as kept per environment by deploy scripts).
///
/// Supports `export KEY=value`, `#` comments, single quotes (literal), double quotes (with `\n`, `\"`, `\\`),
/// and trailing comments after unquoted values.
///
/// ```swift
/// let vars = try DotEnv.parse("DATABASE_URL=postgres://app@db/app\n", file: ".env")
/// ```
public enum DotEnv {
    public static func load(path: String, origin: String = "--env-file") throws(ConfigError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("\(origin) \(path): cannot read the file (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(origin) \(path): not valid UTF-8") }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> [String: String] {
        var result: [String: String] = [:]
        for (i, raw) in SectionParser.splitLines(text).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "=") else {
                throw ConfigError("\(file):\(i + 1): expected KEY=value")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard let first = key.first, first.isLetter || first == "_", key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ConfigError("\(file):\(i + 1): `\(key)` is not a valid variable name")
            }
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("'") {
                guard value.count >= 2, value.hasSuffix("'") else { throw ConfigError("\(file):\(i + 1): unterminated single quote") }
                value = String(value.dropFirst().dropLast())
            } else if value.hasPrefix("\"") {
                var out = ""
                var escaped = false
                var closed = false
                for c in value.dropFirst() {
                    if escaped {
                        switch c { case "n": out.append("\n"); case "t": out.append("\t"); default: out.append(c) }
                        escaped = false
                    } else if c == "\\" { escaped = true } else if c == "\"" { closed = true; break } else { out.append(c) }
                }
                guard closed else { throw ConfigError("\(file):\(i + 1): unterminated double quote") }
                value = out
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            result[key] = value
        }
        return result
    }
}
