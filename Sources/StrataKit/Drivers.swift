import Foundation
import Logging
import StrataCore
import StrataPostgres
import StrataSQLite

/// Picks the driver for a ``DatabaseTarget``.
///
/// ```swift
/// let target = try DatabaseTarget.parse("sqlite:app.sqlite", origin: "example")
/// let driver = Drivers.driver(for: target)
/// ```
public enum Drivers {
    public static func driver(for target: DatabaseTarget, logger: Logger = Logger(label: "strata")) -> any DatabaseDriver {
        switch target {
        case .postgres(let p): PostgresDriver(target: p, logger: logger)
        case .sqlite(let path): SQLiteDriver(path: path, logger: logger)
        }
    }
}

/// Strata's version, as printed by `strata --version` and recorded in the history.
public enum StrataVersion {
    public static let current = "0.1.0"
}
