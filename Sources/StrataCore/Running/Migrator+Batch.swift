import Foundation

/// Batched application of a transactional migration: its statements, its verify section and its history write
/// go to the server as one statement (see ``SQLDialect/batch(_:lockTimeout:)``), which runs them in order and in
/// one transaction. Failures are reported exactly as when the statements are sent one by one: the failing
/// statement is read from the error's context.
extension Migrator {
    /// The batch for `step`, or nil when it must run statement by statement.
    func batchFor(_ step: MigrationPlan.Step, statements: [SQLStatement], options: RunOptions, statementTimeout: Duration?,
                  lockTimeout: Duration?, inOuterTransaction: Bool, replaceTimeouts: Bool,
                  bookkeeping: (_ durationSQL: String?, _ finishedSQL: String?) -> [String]) -> Batch? {
        let d = driver.dialect
        // A statement timeout is per statement: a batch would make it one timeout for the whole migration.
        guard options.batchStatements, statementTimeout == nil, !replaceTimeouts,
              Self.batchable(statements),
              statements.reduce(0, { $0 + $1.sql.utf8.count }) < Self.batchLimit else { return nil }
        let records = bookkeeping(d.transactionElapsedMilliseconds, d.clockNow)
        // In its own transaction, deferred constraints are checked before the history write: their failure is the
        // migration's, reported like a failure at COMMIT (in an outer transaction they wait for its COMMIT).
        let check = inOuterTransaction || !options.checkDeferred ? [] : d.checkDeferredConstraints.map { [$0] } ?? []
        guard let sql = d.batch(statements.map(\.sql) + check + records, lockTimeout: lockTimeout) else { return nil }
        return Batch(sql: sql, statements: statements.count)
    }

    struct Batch {
        var sql: SQLBatch
        var statements: Int
    }

    /// Sections above this size (bytes) run statement by statement: the server compiles a batch as a whole.
    static var batchLimit: Int { 4 << 20 }

    /// Runs the batch. Returns false when it must be run again statement by statement (the server refused
    /// something only a batch cannot do, and the implicit transaction rolled back); throws the migration's failure.
    func runBatch(_ batch: Batch, step: MigrationPlan.Step, statements: [SQLStatement], inOuterTransaction: Bool, exec: Exec,
                  failed: (MigrationFailure) -> Void) async throws -> Bool {
        do {
            try await exec(batch.sql.sql, true)
            return true
        } catch {
            let index = (error as? DatabaseError).flatMap { batch.sql.statementIndex(for: $0) }
            if let db = error as? DatabaseError, db.sqlState == "0A000", !inOuterTransaction {
                return false  // feature_not_supported inside EXECUTE (e.g. SELECT … INTO): the classic route can do it
            }
            let failure: MigrationFailure
            if let index, index < batch.statements {
                let unwrapped: any Error = (error as? DatabaseError).map { batch.sql.unwrap($0) } ?? error
                failure = makeFailure(step, index: index, statement: statements[index], inVerify: index >= step.script.statementCount,
                                      error: unwrapped, dirty: false)
            } else {
                // In the history write, or at the implicit COMMIT (a deferred constraint, say), or the connection was lost.
                let last = step.script.statements.last ?? SQLStatement(sql: "COMMIT", line: 1, column: 1)
                let unwrapped: any Error = (error as? DatabaseError).map { batch.sql.unwrap($0) } ?? error
                var f = makeFailure(step, index: max(0, step.script.statementCount - 1), statement: last, inVerify: false, error: unwrapped, dirty: false)
                if !(error is CancellationError || error is ConnectionError || f.cancelled || inOuterTransaction) {
                    // (In a --single-transaction run the block records nothing and commits nothing.)
                    f.cause = "while recording the migration and committing: " + f.cause
                }
                failure = f
            }
            failed(failure)
            if !inOuterTransaction { await recordFailure(failure, exec: exec) }
            throw failure
        }
    }

    /// Statements a batch cannot hold: transaction control (the section manages its own transaction), and
    /// statements that must be first in a transaction or talk to the client.
    static func needsOwnStatement(_ sql: String) -> Bool {
        let words = leadingWords(sql, count: 2)
        guard let first = words.first else { return false }
        switch first {
        case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE", "COPY":
            return true
        case "SET":
            return words.count > 1 && (words[1] == "TRANSACTION" || words[1] == "SESSION")
        default:
            return false
        }
    }

    /// Whether every one of `statements` can run inside a batch's `EXECUTE`.
    static func batchable(_ statements: [SQLStatement]) -> Bool {
        !statements.contains { needsOwnStatement($0.sql) || mayBeSelectInto($0.sql) }
    }

    /// Whether `sql` may be a `SELECT … INTO new_table`, which PL/pgSQL's `EXECUTE` refuses (feature_not_supported):
    /// a statement that starts with `SELECT`, `WITH` or anything but a word (a parenthesis, say) and has the word
    /// `INTO` anywhere in its text.
    /// Over-cautious by design (an `INTO` in a string or a comment counts too): such a migration runs statement by
    /// statement, which is always correct. In a migration's own transaction a missed case would only cost a retry;
    /// in a `--single-transaction` run, where the refusal aborts the whole run, there must be none.
    static func mayBeSelectInto(_ sql: String) -> Bool {
        let first = leadingWords(sql, count: 1).first
        guard first == nil || first == "SELECT" || first == "WITH" else { return false }
        return TextScan.containsWordIgnoringCase(sql, "into")
    }

    /// The first `count` words of `sql`, upper-cased, after leading whitespace and comments (a `--` comment ends at
    /// a line break, `\n` or `\r`, as PostgreSQL's scanner ends it). Called twice for every statement a batch
    /// holds: read byte by byte when the bytes that decide the answer are ASCII, else by Unicode characters
    /// (``unicodeLeadingWords(_:count:)``: Unicode whitespace between words, letters such as `é` in them).
    static func leadingWords(_ sql: String, count: Int) -> [String] {
        var text = sql
        if let words = text.withUTF8({ asciiLeadingWords($0, count: count) }) { return words }
        return unicodeLeadingWords(sql, count: count)
    }

    /// ``leadingWords(_:count:)`` over UTF-8 bytes; nil when a byte outside a comment that could change the answer
    /// is not ASCII.
    static func asciiLeadingWords(_ t: UnsafeBufferPointer<UInt8>, count: Int) -> [String]? {
        let n = t.count
        let isSpace = TextScan.isASCIIWhitespace
        func isWordByte(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == 0x5F }
        var i = 0
        while i < n {
            if isSpace(t[i]) {
                i += 1
            } else if let end = TextScan.sqlCommentEnd(t, at: i) {
                i = end
            } else {
                break
            }
        }
        var words: [String] = []
        while words.count < count {
            while i < n, isSpace(t[i]) { i += 1 }
            let start = i
            while i < n, isWordByte(t[i]) { i += 1 }
            if i < n, t[i] >= 0x80 { return nil }
            if i == start { break }
            words.append(String(unsafeUninitializedCapacity: i - start) { out in
                for k in start..<i { out[k - start] = t[k] == 0x5F ? t[k] : t[k] & ~0x20 }
                return i - start
            })
        }
        return words
    }

    /// ``leadingWords(_:count:)`` by Unicode characters.
    static func unicodeLeadingWords(_ sql: String, count: Int) -> [String] {
        var s = Substring(sql)
        while true {
            s = s.drop { $0.isWhitespace }
            if s.hasPrefix("--") {
                // "\r\n" is one Character, equal to neither "\n" nor "\r".
                s = s.drop { $0 != "\n" && $0 != "\r" && $0 != "\r\n" }
            } else if s.hasPrefix("/*") {
                // Nested block comments: count depth.
                var depth = 0
                var i = s.startIndex
                while i < s.endIndex {
                    let rest = s[i...]
                    if rest.hasPrefix("/*") { depth += 1; i = s.index(i, offsetBy: 2); continue }
                    if rest.hasPrefix("*/") { depth -= 1; i = s.index(i, offsetBy: 2); if depth == 0 { break }; continue }
                    i = s.index(after: i)
                }
                s = s[i...]
            } else {
                break
            }
        }
        var words: [String] = []
        while words.count < count {
            s = s.drop { $0.isWhitespace }
            let w = s.prefix { $0.isLetter || $0 == "_" }
            if w.isEmpty { break }
            words.append(w.uppercased())
            s = s.dropFirst(w.count)
        }
        return words
    }
}
