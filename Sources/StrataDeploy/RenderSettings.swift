import Foundation
import StrataCore

/// The `[render]` table of `strata.toml` (the chosen environment's `[environments.NAME.render]` wins), read with
/// typed accessors that name the key in their errors. Keys are the renderers' flags with `_` for `-`:
///
/// ```toml
/// [render]
/// image = "ghcr.io/acme/shop-migrations:1.4.0"
/// namespace = "shop"
/// secret = "shop-db"
/// env_var = { STRATA_LOCK_WAIT = "5m" }
/// targets = ["tenant_a", "tenant_b"]
/// ```
public struct RenderSettings: Sendable {
    public let values: [String: ConfigValue]
    /// Where the table was read (for errors).
    public let place: String

    public init(_ value: ConfigValue?, place: String = "strata.toml [render]") throws(ConfigError) {
        self.place = place
        switch value {
        case nil: values = [:]
        case .table(let t)?: values = t
        case let other?: throw ConfigError("\(place) must be a table, not \(other.typeName)")
        }
    }

    public func string(_ key: String) throws(ConfigError) -> String? {
        switch values[key] {
        case nil: return nil
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case let other?: throw ConfigError("\(place): `\(key)` must be a string, not \(other.typeName)")
        }
    }

    public func int(_ key: String) throws(ConfigError) -> Int? {
        switch values[key] {
        case nil: return nil
        case .int(let i)?: return i
        case .string(let s)? where Int(s) != nil: return Int(s)
        case let other?: throw ConfigError("\(place): `\(key)` must be an integer, not \(other.typeName)")
        }
    }

    public func bool(_ key: String) throws(ConfigError) -> Bool? {
        switch values[key] {
        case nil: return nil
        case .bool(let b)?: return b
        case let other?: throw ConfigError("\(place): `\(key)` must be true or false, not \(other.typeName)")
        }
    }

    /// A string or an array of strings.
    public func strings(_ key: String) throws(ConfigError) -> [String]? {
        switch values[key] {
        case nil: return nil
        case .string(let s)?: return [s]
        case .array(let a)?:
            var out: [String] = []
            for v in a {
                guard case .string(let s) = v else { throw ConfigError("\(place): `\(key)` must be an array of strings, not one holding \(v.typeName)") }
                out.append(s)
            }
            return out
        case let other?: throw ConfigError("\(place): `\(key)` must be an array of strings, not \(other.typeName)")
        }
    }

    /// A table of strings (sorted by key, for a stable output), e.g. `env_var = { STRATA_LOCK_WAIT = "5m" }`.
    public func pairs(_ key: String) throws(ConfigError) -> [(String, String)]? {
        switch values[key] {
        case nil: return nil
        case .table(let t)?:
            var out: [(String, String)] = []
            for (k, v) in t.sorted(by: { $0.key < $1.key }) {
                switch v {
                case .string(let s): out.append((k, s))
                case .int(let i): out.append((k, String(i)))
                case .bool(let b): out.append((k, String(b)))
                default: throw ConfigError("\(place): `\(key).\(k)` must be a string, not \(v.typeName)")
                }
            }
            return out
        case let other?: throw ConfigError("\(place): `\(key)` must be a table of strings, not \(other.typeName)")
        }
    }

    /// `KEY=VALUE` texts (flags) as pairs.
    public static func parsePairs(_ texts: [String], flag: String) throws(ConfigError) -> [(String, String)] {
        var out: [(String, String)] = []
        for text in texts {
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { throw ConfigError("\(flag) \(text): expected KEY=VALUE") }
            out.append((String(text[..<eq]), String(text[text.index(after: eq)...])))
        }
        return out
    }

    /// A duration as whole seconds, rounded up (`30m` → 1800).
    public static func seconds(_ text: String, flag: String) throws(ConfigError) -> Int {
        guard let d = DurationText.parse(text) else { throw ConfigError("\(flag) \(text): not a duration (use 90s, 30m, 2h)") }
        let ms = DurationText.milliseconds(d)
        return Int((ms + 999) / 1000)
    }
}
