import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import StrataCore

/// A small SMTP client on SwiftNIO: implicit TLS (465) or STARTTLS (587) with NIOSSL, or plain when configured;
/// EHLO, AUTH PLAIN / LOGIN, MAIL FROM / RCPT TO / DATA with dot-stuffing, QUIT.
///
/// ```swift
/// let client = SMTPClient(settings: email)
/// let answer = try await client.send(from: "alerts@example.com", to: ["ops@example.com"], message: mime.render())
/// ```
struct SMTPClient: Sendable {
    var settings: EmailSettings

    func send(from: String, to recipients: [String], message: String) async throws -> String {
        let tls = try makeTLSContext()
        let host = settings.server
        let implicitTLS = settings.security == .tls
        let sniName: String? = Self.isIPAddress(host) ? nil : host
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(min(DurationText.milliseconds(settings.policy.timeout), 30_000)))
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
        let channel: NIOAsyncChannel<String, ByteBuffer>
        do {
            channel = try await bootstrap.connect(host: host, port: settings.port) { ch in
                ch.eventLoop.makeCompletedFuture {
                    if implicitTLS, let tls {
                        try ch.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: sniName))
                    }
                    try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: ch)
                }
            }
        } catch {
            throw DeliveryError("cannot connect to \(settings.target): \(Self.describe(error))")
        }
        return try await channel.executeThenClose { inbound, outbound in
            var session = Session(inbound: inbound.makeAsyncIterator(), outbound: outbound, target: settings.target)
            try await session.expect(220, after: "connecting")
            var ehlo = try await session.command("EHLO \(heloName)", expect: 250)
            var secure = implicitTLS
            if settings.security == .starttls {
                guard ehlo.lines.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                    throw DeliveryError("\(settings.target) does not offer STARTTLS; set security to tls (port 465) or, for a local relay only, plain", permanent: true)
                }
                _ = try await session.command("STARTTLS", expect: 220)
                guard let tls else { throw DeliveryError("no TLS configuration", permanent: true) }
                try await channel.channel.eventLoop.submit {
                    try channel.channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: sniName), position: .first)
                }.get()
                secure = true
                ehlo = try await session.command("EHLO \(heloName)", expect: 250)
            }
            if let user = settings.username, !user.isEmpty {
                try await authenticate(&session, ehlo: ehlo, user: user, password: settings.password ?? "", secure: secure)
            }
            _ = try await session.command("MAIL FROM:<\(from)>", expect: 250)
            for r in recipients { _ = try await session.command("RCPT TO:<\(r)>", expect: 250, 251) }
            _ = try await session.command("DATA", expect: 354)
            try await session.write(MIMEMessage.dotStuffed(message) + ".\r\n")
            let accepted = try await session.expect(250, after: "sending the message")
            _ = try? await session.command("QUIT", expect: 221)
            return accepted.description
        }
    }

    private var heloName: String {
        let name = settings.heloName ?? ProcessInfo.processInfo.hostName
        let clean = name.filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
        return clean.isEmpty ? "localhost" : clean
    }

    private func authenticate(_ session: inout Session, ehlo: SMTPReply, user: String, password: String, secure: Bool) async throws {
        guard secure || settings.security == .plain else {
            throw DeliveryError("refusing to send the SMTP password without TLS", permanent: true)
        }
        let mechanisms = ehlo.lines.filter { $0.uppercased().hasPrefix("AUTH") }
            .flatMap { $0.dropFirst(4).split(whereSeparator: { $0 == " " || $0 == "=" }).map { $0.uppercased() } }
        if mechanisms.contains("PLAIN") {
            let token = Data(([0] + Array(user.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            _ = try await session.command("AUTH PLAIN \(token)", expect: 235, hidden: "AUTH PLAIN ***")
        } else if mechanisms.contains("LOGIN") {
            _ = try await session.command("AUTH LOGIN", expect: 334)
            _ = try await session.command(Data(user.utf8).base64EncodedString(), expect: 334, hidden: "(user name)")
            _ = try await session.command(Data(password.utf8).base64EncodedString(), expect: 235, hidden: "(password)")
        } else {
            throw DeliveryError("\(settings.target) offers no AUTH PLAIN or LOGIN\(mechanisms.isEmpty ? " (no AUTH at all)" : " (offers \(mechanisms.joined(separator: " ")))")", permanent: true)
        }
    }

    private func makeTLSContext() throws -> NIOSSLContext? {
        guard settings.security != .plain else { return nil }
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        if let ca = settings.caFile {
            guard FileManager.default.fileExists(atPath: ca) else { throw DeliveryError("CA file \(ca) does not exist", permanent: true) }
            do {
                config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            } catch {
                throw DeliveryError("cannot read the CA file \(ca): \(error)", permanent: true)
            }
        }
        do { return try NIOSSLContext(configuration: config) } catch {
            throw DeliveryError("cannot set up TLS: \(error)", permanent: true)
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DeliveryError { return e.message }
        if let e = error as? NIOSSLError { return "TLS: \(e)" }
        if let e = error as? BoringSSLError { return "TLS: \(e)" }
        if let e = error as? IOError { return e.description }
        if error is ChannelError { return "\(error)" }
        return String(describing: error)
    }

    /// The conversation: one command, one reply.
    struct Session {
        var inbound: NIOAsyncChannelInboundStream<String>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        let target: String
        var last = "connecting"

        mutating func write(_ text: String) async throws {
            do {
                try await outbound.write(ByteBuffer(string: text))
            } catch {
                // The connection closed under the write (a refused TLS handshake, say): the inbound side holds the cause.
                do { _ = try await inbound.next() } catch let cause {
                    throw DeliveryError("connection to \(target) failed after \(last): \(SMTPClient.describe(cause))")
                }
                throw DeliveryError("connection to \(target) failed after \(last): \(SMTPClient.describe(error))")
            }
        }

        @discardableResult
        mutating func command(_ line: String, expect codes: Int..., hidden: String? = nil) async throws -> SMTPReply {
            last = hidden ?? line
            try await write(line + "\r\n")
            return try await expect(codes, after: last)
        }

        @discardableResult
        mutating func expect(_ code: Int, after what: String) async throws -> SMTPReply {
            try await expect([code], after: what)
        }

        mutating func expect(_ codes: [Int], after what: String) async throws -> SMTPReply {
            let reply = try await readReply()
            guard codes.contains(reply.code) else {
                throw DeliveryError("\(target) answered \(reply) to \(what)", permanent: reply.isPermanent)
            }
            return reply
        }

        mutating func readReply() async throws -> SMTPReply {
            var lines: [String] = []
            while true {
                let next: String?
                do { next = try await inbound.next() } catch {
                    throw DeliveryError("connection to \(target) failed after \(last): \(SMTPClient.describe(error))")
                }
                guard let line = next else {
                    throw DeliveryError("\(target) closed the connection after \(last)")
                }
                let chars = Array(line.utf8)
                guard chars.count >= 3, let code = Int(String(decoding: chars[0..<3], as: UTF8.self)) else {
                    throw DeliveryError("\(target) sent something that is not SMTP: \(line.prefix(80))", permanent: true)
                }
                lines.append(chars.count > 4 ? String(decoding: chars[4...], as: UTF8.self) : "")
                if chars.count == 3 || chars[3] != UInt8(ascii: "-") { return SMTPReply(code: code, lines: lines) }
                if lines.count > 200 { throw DeliveryError("\(target) sent an endless reply", permanent: true) }
            }
        }
    }
}
