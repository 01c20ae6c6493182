import Foundation

/// One problem found while reading a migrations directory.
public struct SourceProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file (relative to the migrations directory) or folder the problem is in.
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, as compilers print it.
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(message)"
    }
}

/// Every problem found in a migrations directory; nothing is run while any exists.
public struct SourceError: Error, Sendable, CustomStringConvertible {
    public var directory: String
    public var problems: [SourceProblem]
    public init(directory: String, problems: [SourceProblem]) {
        self.directory = directory
        self.problems = problems
    }
    public var description: String {
        let head = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return "\(head) in migrations directory \(directory) (nothing was run):\n"
            + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
