// Transaction-control statements inside a section that Strata already wraps in a transaction.

import Testing
@testable import StrataCore

struct TransactionControlTests {
    @Test(arguments: [
        ("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;", "BEGIN", 2),
        ("CREATE TABLE a (id int);\nCOMMIT;", "COMMIT", 3),
        ("CREATE TABLE a (id int);\n  end;", "END", 3),
        ("START TRANSACTION ISOLATION LEVEL SERIALIZABLE;", "START TRANSACTION", 2),
        ("CREATE TABLE a (id int);\nrollback;", "ROLLBACK", 3),
        ("BEGIN IMMEDIATE TRANSACTION;", "BEGIN", 2),
    ])
    func refusedInATransactionalSection(body: String, word: String, line: Int) throws {
        do {
            _ = try SectionParser.parse("-- strata:up\n" + body, file: "0007_tx.sql", wholeFile: nil)
            Issue.record("expected `\(word)` to be refused")
        } catch {
            #expect(error.file == "0007_tx.sql")
            #expect(error.line == line)
            #expect(error.message.contains("`\(word)`"))
            #expect(error.message.contains("-- strata:no-transaction"))
        }
    }

    @Test func allowedWhenTheSectionRunsOutsideATransaction() throws {
        let sections = try SectionParser.parse("-- strata:up\n-- strata:no-transaction\nBEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n",
                                               file: "0007_tx.sql", wholeFile: nil)
        #expect(sections[.up]?.statements.count == 3)
    }

    @Test func savepointsAndLookAlikesAreAllowed() throws {
        let body = """
            SAVEPOINT s1;
            ROLLBACK TO SAVEPOINT s1;
            ROLLBACK TO s1;
            CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
            CREATE TABLE ending (commit_sha text, begin_at date);
            """
        let sections = try SectionParser.parse("-- strata:up\n" + body, file: "0008_ok.sql", wholeFile: nil)
        #expect(sections[.up]?.statements.count == 5)
    }
}

struct ReviewRegressionTests {
    @Test func savepointRollbackWithWorkOrTransactionIsAllowed() throws {
        let body = "SAVEPOINT s1;\nROLLBACK WORK TO s1;\nROLLBACK TRANSACTION TO SAVEPOINT s1;\n"
        let sections = try SectionParser.parse("-- strata:up\n" + body, file: "0009_sp.sql", wholeFile: nil)
        #expect(sections[.up]?.statements.count == 3)
    }

    @Test func noBreakSpacesAreWhitespace() throws {
        let text = "\u{00A0}\n-- strata:up\u{00A0}\n\u{00A0}\n-- strata:no-transaction\nCREATE TABLE a (id int);\n"
        let sections = try SectionParser.parse(text, file: "0010_nbsp.sql", wholeFile: nil)
        #expect(sections[.up]?.directives.noTransaction == true)
        #expect(sections[.up]?.statements.count == 1)
    }

    @Test func malformedURLWithAtAndSlashInPasswordIsMasked() {
        let shown = DatabaseTarget.safeDescription("postgresq://app:p@ss/w0rd@db/prod")
        #expect(!shown.contains("w0rd"))
        #expect(!shown.contains("p@ss"))
    }
}
