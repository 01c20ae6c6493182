import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real server for notification tests, started from the Python scripts in `Tests/StrataNotifyTests/Fixtures`:
/// an `aiosmtpd` SMTP server (STARTTLS or implicit TLS, AUTH) or an HTTP receiver (Sentry, Slack, webhook).
/// Everything it receives lands in ``directory``; ``stop()`` ends it.
///
/// ```swift
/// let smtp = try await NotifyTestServer.smtp(user: "alice", password: "pw")
/// defer { smtp.stop() }
/// // … send to 127.0.0.1:\(smtp.port), trusting smtp.certificate …
/// let messages = try await smtp.waitForFiles(1, ext: "eml")
/// ```
public final class NotifyTestServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    /// The server's self-signed certificate (SMTP only): CN=localhost, SAN DNS:localhost, IP:127.0.0.1.
    public let certificate: String?
    private let process: Process
    private let stdin: Pipe

    public static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("StrataNotifyTests/Fixtures")
    }

    /// An SMTP server; `tls` is `starttls`, `implicit` or `none`. With a user, AUTH is required (after TLS).
    public static func smtp(tls: String = "starttls", user: String? = nil, password: String? = nil) async throws -> NotifyTestServer {
        var args = ["--tls", tls]
        if let user, let password { args += ["--user", user, "--password", password] }
        return try await start(script: "smtp_server.py", args)
    }

    /// An HTTP receiver answering `status` (503 to the first `failFirst` requests).
    public static func http(status: Int = 200, failFirst: Int = 0) async throws -> NotifyTestServer {
        try await start(script: "http_receiver.py", ["--status", String(status), "--fail-first", String(failFirst)])
    }

    private static func start(script: String, _ args: [String]) async throws -> NotifyTestServer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("server.out")
        let err = dir.appendingPathComponent("server.err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let captured = dir.appendingPathComponent("captured")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", fixtures.appendingPathComponent(script).path, "--dir", captured.path] + args
        let stdin = Pipe()
        p.standardInput = stdin
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("READY ") }) {
                let words = line.split(separator: " ").map(String.init)
                guard words.count >= 2, let port = Int(words[1]) else { break }
                return NotifyTestServer(port: port, directory: captured, certificate: words.count > 2 ? words[2] : nil, process: p, stdin: stdin)
            }
            if !p.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        p.terminate()
        let log = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        throw NotifySetupError("\(script) did not start (is aiosmtpd installed? python3 -m pip install aiosmtpd):\n\(log)")
    }

    private init(port: Int, directory: URL, certificate: String?, process: Process, stdin: Pipe) {
        self.port = port
        self.directory = directory
        self.certificate = certificate
        self.process = process
        self.stdin = stdin
    }

    /// Stops the server (its captured files stay until the temp dir is cleaned).
    public func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// The captured files ending in `.ext`, in arrival order.
    public func files(ext: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix("." + ext) }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Waits until at least `count` `.ext` files arrived (or `limit` passed) and returns them all.
    public func waitForFiles(_ count: Int, ext: String, limit: Duration = .seconds(20)) async throws -> [URL] {
        let deadline = ContinuousClock.now + limit
        while files(ext: ext).count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return files(ext: ext)
    }

    /// Every captured HTTP request (`method`, `path`, `headers`, `body`).
    public func requests() throws -> [CapturedRequest] {
        try files(ext: "json").map { try JSONDecoder().decode(CapturedRequest.self, from: Data(contentsOf: $0)) }
    }

    /// A free local port nobody listens on (for "server down").
    public static func closedPort() throws -> Int {
        let (fd, port) = try boundSocket()
        close(fd)
        return port
    }

    /// A socket listening on 127.0.0.1 that never accepts: connections open and then hear nothing.
    /// Returns the descriptor (close it when done) and the port.
    public static func silentListener() throws -> (fd: Int32, port: Int) {
        let (fd, port) = try boundSocket()
        guard listen(fd, 16) == 0 else { close(fd); throw NotifySetupError("listen() failed") }
        return (fd, port)
    }

    private static func boundSocket() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NotifySetupError("socket() failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { close(fd); throw NotifySetupError("bind() failed") }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }
}

/// One request an HTTP receiver recorded.
public struct CapturedRequest: Decodable, Sendable {
    public var method: String
    public var path: String
    public var headers: [String: String]
    public var body: String

    /// A header, whatever its case.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// Parses a captured `.eml` with Python's `email` package: decoded subject, headers, parts and defects.
public struct ParsedEmail: Decodable, Sendable {
    public struct Part: Decodable, Sendable {
        public var contentType: String
        public var charset: String?
        public var text: String
        /// For text/html: every non-void tag closed in order.
        public var htmlBalanced: Bool?
    }
    public var subject: String
    public var rawSubject: String
    public var from: String
    public var to: String
    public var date: String?
    public var dateParses: Bool
    public var messageID: String?
    public var mimeVersion: String?
    public var contentType: String
    public var defects: [String]
    public var parts: [Part]
    /// The raw message as received (after the server removed the dot-stuffing).
    public var raw: String

    public func part(_ type: String) -> Part? { parts.first { $0.contentType == type } }

    public static func parse(_ file: URL) throws -> ParsedEmail {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", NotifyTestServer.fixtures.appendingPathComponent("parse_eml.py").path, file.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NotifySetupError("parse_eml.py failed on \(file.path)") }
        return try JSONDecoder().decode(ParsedEmail.self, from: data)
    }
}

/// A notification test server could not be started or read.
public struct NotifySetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
