// Where the foreign-format fixtures live (Tests/Fixtures/<format>/, outside any test target), and a reader for them.

import Foundation
import Testing
@testable import StrataCore

enum FormatFixtures {
    /// `Tests/Fixtures/<name>`, found from this file's path.
    static func url(_ name: String, filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    /// The problems a reader reports, as `file:line: message` lines.
    static func problems(_ body: () throws -> Void) -> [SourceProblem] {
        do { try body() } catch let e as SourceError { return e.problems } catch { return [SourceProblem(file: "?", message: "\(error)")] }
        return []
    }
}
