import Foundation

/// Bad configuration or usage: a flag, variable, `strata.toml` entry or URL. Exits with the usage code.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
