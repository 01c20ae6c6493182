import Foundation

/// An RFC 5322 message with a multipart/alternative body (plain text, then HTML), both parts UTF-8 and
/// quoted-printable, the subject and display names RFC 2047-encoded when they are not plain ASCII.
struct MIMEMessage: Sendable {
    var fromEmail: String
    var fromName: String?
    var to: [String]
    var subject: String
    var text: String
    var html: String
    var date: Date = Date()
    var messageID: String
    var extraHeaders: [(String, String)] = []

    init(fromEmail: String, fromName: String?, to: [String], subject: String, text: String, html: String, date: Date = Date(),
         extraHeaders: [(String, String)] = []) {
        self.fromEmail = fromEmail
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
        let domain = fromEmail.split(separator: "@").last.map(String.init) ?? "localhost"
        self.messageID = "<\(UUID().uuidString.lowercased()).strata@\(domain)>"
        self.extraHeaders = extraHeaders
    }

    /// The message with CRLF line endings, not yet dot-stuffed.
    func render() -> String {
        let boundary = "strata-" + UUID().uuidString.lowercased()
        var h: [(String, String)] = [
            ("Date", Self.rfc5322Date(date)),
            ("From", Self.mailbox(fromEmail, name: fromName)),
            ("To", to.joined(separator: ", ")),
            ("Subject", Self.encodeHeaderText(subject)),
            ("Message-ID", messageID),
            ("MIME-Version", "1.0"),
            ("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""),
        ]
        h += extraHeaders.map { ($0.0, Self.encodeHeaderText($0.1)) }
        var out = h.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n") + "\r\n\r\n"
        out += "This is a multi-part message in MIME format.\r\n"
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            out += "\r\n--\(boundary)\r\n"
            out += "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            out += Self.quotedPrintable(body)
        }
        out += "\r\n--\(boundary)--\r\n"
        return out
    }

    /// `Tue, 03 Feb 2026 14:05:01 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }

    static func mailbox(_ email: String, name: String?) -> String {
        guard let name = name.map(stripControls), !name.isEmpty else { return email }
        if name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == ".") }) {
            return "\"\(name)\" <\(email)>"
        }
        return "\(encodeHeaderText(name)) <\(email)>"
    }

    static func stripControls(_ s: String) -> String {
        String(s.unicodeScalars.filter { $0.value >= 32 && $0.value != 127 }.map(Character.init))
    }

    /// Plain printable ASCII as is; anything else as RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters,
    /// split between characters and folded onto continuation lines.
    static func encodeHeaderText(_ raw: String) -> String {
        let text = stripControls(raw)
        if text.unicodeScalars.allSatisfy({ $0.isASCII }), !text.contains("=?"), text.count <= 900 { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for ch in text {
            let bytes = Array(String(ch).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// Quoted-printable (RFC 2045): lines end in CRLF, none longer than 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var out = ""
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            var current = ""
            for (i, b) in bytes.enumerated() {
                let isLast = i == bytes.count - 1
                var piece: String
                if (b == 0x20 || b == 0x09) && isLast {
                    piece = String(format: "=%02X", b)
                } else if (b >= 33 && b <= 126 && b != 61) || b == 0x20 || b == 0x09 {
                    piece = String(UnicodeScalar(b))
                } else {
                    piece = String(format: "=%02X", b)
                }
                if current.count + piece.count > 75 {
                    out += current + "=\r\n"
                    current = ""
                }
                current += piece
            }
            out += current + "\r\n"
        }
        return out
    }

    /// SMTP DATA transparency (RFC 5321 4.5.2): a line starting with `.` gets another `.`; lines end in CRLF.
    static func dotStuffed(_ message: String) -> String {
        let normalized = message.replacingOccurrences(of: "\r\n", with: "\n")
        var lines = normalized.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        if lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
