import Foundation
import TOMLKit

/// A value read from `strata.toml`, detached from the TOML library.
public indirect enum ConfigValue: Sendable, Hashable {
    case string(String), int(Int), double(Double), bool(Bool), array([ConfigValue]), table([String: ConfigValue]), other(String)

    public var typeName: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "true or false"
        case .array: "an array"
        case .table: "a table"
        case .other: "a date or time"
        }
    }
}

/// `strata.toml`, read into plain values.
///
/// ```toml
/// dir = "migrations"
/// lock_wait = "60s"
///
/// [environments.production]
/// database = "${PROD_DATABASE_URL}"
/// env_file = ".env.production"
/// ```
public struct ConfigFile: Sendable {
    public var path: String
    public var root: [String: ConfigValue]

    public init(path: String, root: [String: ConfigValue]) {
        self.path = path
        self.root = root
    }

    public static func load(path: String) throws(ConfigError) -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("\(path): cannot read the configuration file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(path): not valid UTF-8") }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(ConfigError) -> ConfigFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError("\(path):\(error.source.begin.line):\(error.source.begin.column): invalid TOML: \(error.description)")
        } catch {
            throw ConfigError("\(path): invalid TOML: \(error)")
        }
        return ConfigFile(path: path, root: convert(table))
    }

    static func convert(_ table: TOMLTable) -> [String: ConfigValue] {
        var out: [String: ConfigValue] = [:]
        for key in table.keys {
            if let v = table[key] { out[key] = convert(v) }
        }
        return out
    }

    static func convert(_ value: any TOMLValueConvertible) -> ConfigValue {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .int(value.int ?? 0)
        case .double: return .double(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .table: return .table(value.table.map(convert) ?? [:])
        case .array: return .array(value.array.map { $0.map(convert) } ?? [])
        default: return .other(String(describing: value))
        }
    }
}
