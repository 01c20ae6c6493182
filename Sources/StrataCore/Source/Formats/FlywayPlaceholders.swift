import Foundation

/// Flyway's placeholder replacement: every `${name}` (prefix and suffix from ``FlywaySettings``) in a script,
/// comments and strings included, replaced by its value; a placeholder with no value is an error, as in Flyway
/// ("No value provided for placeholder"). The built-ins `${flyway:defaultSchema}`, `${flyway:user}`,
/// `${flyway:database}`, `${flyway:timestamp}`, `${flyway:filename}`, `${flyway:workingDirectory}`,
/// `${flyway:table}` and `${flyway:environment}` are known. The checksum is taken before replacement, as Flyway does.
///
/// ```swift
/// var settings = FlywaySettings()
/// settings.placeholders["owner"] = "app"
/// let text = try FlywayPlaceholders.replace("ALTER TABLE t OWNER TO ${owner};", settings: settings, file: "V1__t.sql")
/// // "ALTER TABLE t OWNER TO app;"
/// ```
public enum FlywayPlaceholders {
    public static func replace(_ text: String, settings: FlywaySettings, file: String,
                               now: Date = Date(), workingDirectory: String = FileManager.default.currentDirectoryPath) throws(SourceProblem) -> String {
        guard settings.replacement, !settings.prefix.isEmpty, !settings.suffix.isEmpty, text.contains(settings.prefix) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var rest = Substring(text)
        var missing: [(String, Int)] = []
        while let open = rest.range(of: settings.prefix) {
            out += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            // Flyway's pattern is prefix (.+?) suffix: at least one character, on one line.
            guard let close = afterOpen.dropFirst().range(of: settings.suffix),
                  !afterOpen[..<close.lowerBound].contains(where: \.isNewline) else {
                out += settings.prefix
                rest = afterOpen
                continue
            }
            let name = String(afterOpen[..<close.lowerBound])
            if let value = try value(of: name, settings: settings, file: file, now: now, workingDirectory: workingDirectory) {
                out += value
            } else {
                let line = text[..<open.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
                missing.append((name, line))
                out += settings.prefix + name + settings.suffix
            }
            rest = afterOpen[close.upperBound...]
        }
        out += rest
        if let (name, line) = missing.first {
            let all = missing.map { settings.prefix + $0.0 + settings.suffix }
            var seen = Set<String>()
            throw SourceProblem(file: file, line: line, column: nil,
                                message: "no value provided for Flyway placeholder\(missing.count == 1 ? "" : "s") "
                                    + all.filter { seen.insert($0).inserted }.joined(separator: ", ")
                                    + "; set it with flyway.placeholders.\(name)=… in flyway.conf, [flyway.placeholders] in flyway.toml, "
                                    + "or FLYWAY_PLACEHOLDERS_\(name.uppercased())")
        }
        return out
    }

    /// The value of one placeholder, or nil when none is configured.
    static func value(of name: String, settings: FlywaySettings, file: String, now: Date, workingDirectory: String) throws(SourceProblem) -> String? {
        if let v = settings.placeholders[name] { return v }
        guard name.hasPrefix("flyway:") else { return nil }
        switch name.dropFirst("flyway:".count) {
        case "defaultSchema": return settings.defaultSchema ?? settings.schemas.first ?? "public"
        case "table": return settings.table
        case "filename": return (file as NSString).lastPathComponent
        case "workingDirectory": return workingDirectory
        case "environment": return settings.environment
        case "timestamp":
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.dateFormat = "yyyy-MM-dd HH:mm:ss"
            return f.string(from: now)
        case "user":
            guard let user = settings.user else {
                throw SourceProblem(file: file, message: "uses ${flyway:user}; Strata reads the folder before it connects, so set flyway.user in flyway.conf/flyway.toml or FLYWAY_USER")
            }
            return user
        case "database":
            guard let db = settings.database else {
                throw SourceProblem(file: file, message: "uses ${flyway:database}; Strata reads the folder before it connects, so set flyway.url (jdbc:postgresql://host/NAME) in flyway.conf/flyway.toml or FLYWAY_URL")
            }
            return db
        default: return nil
        }
    }
}
