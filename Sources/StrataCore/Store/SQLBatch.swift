import Foundation

/// Several statements a dialect sends as one, so that a transactional migration costs one round trip
/// instead of one per statement.
///
/// ```swift
/// if let batch = dialect.batch(["CREATE TABLE t (id int)", "CREATE INDEX t_id ON t (id)"], lockTimeout: nil) {
///     try await session.execute(batch.sql)   // on failure, batch.statementIndex(for: error) says which one
/// }
/// ```
public struct SQLBatch: Sendable, Hashable {
    /// The one statement to send.
    public var sql: String
    /// For each batched statement, in order, the line of ``sql``'s body the database reports when it fails there.
    public var lines: [Int]
    /// Characters the batch puts before each statement's own text in the query the database runs for it.
    public var leadingCharacters: Int

    public init(sql: String, lines: [Int], leadingCharacters: Int = 0) {
        self.sql = sql
        self.lines = lines
        self.leadingCharacters = leadingCharacters
    }

    /// Which batched statement (0-based) failed, read from the error's context; nil when it says nothing about it
    /// (e.g. the error came at the implicit COMMIT after the last statement).
    public func statementIndex(for error: DatabaseError) -> Int? {
        guard let context = error.context else { return nil }
        // The outermost frame (the batch itself) is the last `inline_code_block line N at EXECUTE`.
        var found: Int?
        for line in context.split(separator: "\n") {
            guard let r = line.range(of: "inline_code_block line ") else { continue }
            let rest = line[r.upperBound...]
            let digits = rest.prefix { $0.isNumber }
            if rest.dropFirst(digits.count).hasPrefix(" at EXECUTE"), let n = Int(digits) { found = n }
        }
        guard let found else { return nil }
        return lines.firstIndex(of: found)
    }

    /// The error as if the statement at `index` had been sent alone: its position moved from the batch's
    /// inner query into the statement, and the batch's own context dropped.
    public func unwrap(_ error: DatabaseError) -> DatabaseError {
        var e = error
        if e.position == nil, let p = e.internalPosition, p > leadingCharacters {
            e.position = p - leadingCharacters
        }
        e.internalPosition = nil
        e.internalQuery = nil
        e.context = nil
        return e
    }
}
