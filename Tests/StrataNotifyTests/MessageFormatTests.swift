import Foundation
@testable import StrataNotify
import Testing

@Suite struct MessageFormatTests {
    @Test func subjectsFollowTheSeed() {
        let day = NotifyFixtures.today
        #expect(MessageText.subject(NotifyFixtures.facts(.success)) == "[STAGING] ✓ SOAR Database Migration COMPLETED - \(day)")
        #expect(MessageText.subject(NotifyFixtures.facts(.failure, environment: "production")) == "✗ SOAR Database Migration FAILED - \(day)")
        #expect(MessageText.subject(NotifyFixtures.facts(.failure, environment: "eu-dev")) == "[EU-DEV] ✗ SOAR Database Migration FAILED - \(day)")
    }

    @Test func sentryMessagesFollowTheSeed() {
        #expect(MessageText.sentryMessage(NotifyFixtures.facts(.success)) == "Database migration completed successfully for staging")
        #expect(MessageText.sentryMessage(NotifyFixtures.facts(.failure, error: "relation \"x\" does not exist\nmore"))
            == "Database migration failed for staging (error: relation \"x\" does not exist)")
    }

    @Test func nonASCIISubjectsBecomeEncodedWordsOfAtMost75Characters() throws {
        let subject = "[STAGING] ✓ Prüfung Datenbank-Migration ABGESCHLOSSEN – 日本語のプロジェクト名 - 2026-01-31"
        let encoded = MIMEMessage.encodeHeaderText(subject)
        let words = encoded.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        var bytes = Data()
        for w in words {
            #expect(w.count <= 75)
            #expect(w.hasPrefix("=?UTF-8?B?") && w.hasSuffix("?="))
            bytes += try #require(Data(base64Encoded: String(w.dropFirst(10).dropLast(2))))
            // Each word decodes to whole characters on its own (RFC 2047 6.3).
            #expect(String(data: try #require(Data(base64Encoded: String(w.dropFirst(10).dropLast(2)))), encoding: .utf8) != nil)
        }
        #expect(String(data: bytes, encoding: .utf8) == subject)
        #expect(MIMEMessage.encodeHeaderText("plain ascii") == "plain ascii")
        #expect(!MIMEMessage.encodeHeaderText("inject\r\nBcc: evil@example.com").contains("\r\nBcc"))
    }

    @Test func quotedPrintableKeepsLinesShortAndEscapesWhatItMust() {
        let text = String(repeating: "x", count: 200) + "\nend with space \n= sign ✓\n.leading dot"
        let qp = MIMEMessage.quotedPrintable(text)
        for line in qp.components(separatedBy: "\r\n") { #expect(line.count <= 76) }
        #expect(qp.contains("end with space=20\r\n"))
        #expect(qp.contains("=3D sign =E2=9C=93"))
        #expect(qp.contains("\r\n.leading dot"))
    }

    @Test func dotStuffingDoublesLeadingDotsAndUsesCRLF() {
        let stuffed = MIMEMessage.dotStuffed("a\n.b\n..c\r\nd.\n")
        #expect(stuffed == "a\r\n..b\r\n...c\r\nd.\r\n")
    }

    @Test func messageHasTheRFC5322Headers() {
        let m = MIMEMessage(fromEmail: "alerts@example.com", fromName: "Ops ✓", to: ["a@example.com"], subject: "Hi", text: "t", html: "<p>h</p>")
        let text = m.render()
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        for name in ["Date: ", "From: ", "To: a@example.com", "Subject: Hi", "Message-ID: <", "MIME-Version: 1.0", "Content-Type: multipart/alternative; boundary="] {
            #expect(head.contains(name), "\(name) missing in\n\(head)")
        }
        #expect(head.contains("From: =?UTF-8?B?"))
        #expect(MIMEMessage.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
    }

    @Test func templatesRenderBothPartsFromTheBundle() throws {
        let templates = try EmailTemplates.load()
        let bodies = templates.render(NotifyFixtures.facts(.failure, error: "boom <b>&</b>", output: "line 1\nline 2"))
        #expect(bodies.text.contains("Error:\nboom <b>&</b>"))
        #expect(bodies.html.contains("boom &lt;b&gt;&amp;&lt;/b&gt;"))
        #expect(bodies.html.hasPrefix("<!DOCTYPE html>"))
        #expect(bodies.text.contains("Environment:  staging"))
    }
}
