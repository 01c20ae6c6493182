import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import StrataCore

/// One POST with async-http-client: certificates verified (or checked against a configured CA file), no redirects
/// followed (a redirect could carry the payload elsewhere), 2xx = sent, 429/5xx = try again, other 4xx = give up.
struct HTTPPoster: Sendable {
    var caFile: String?
    var timeout: Duration

    func post(url: String, body: [UInt8], headers: [(String, String)]) async throws -> String {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            guard FileManager.default.fileExists(atPath: caFile) else { throw DeliveryError("CA file \(caFile) does not exist", permanent: true) }
            do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile)) } catch {
                throw DeliveryError("cannot read the CA file \(caFile): \(error)", permanent: true)
            }
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        config.timeout = HTTPClient.Configuration.Timeout(connect: .milliseconds(min(DurationText.milliseconds(timeout), 30_000)))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
        do {
            let answer = try await exchange(client, url: url, body: body, headers: headers)
            try? await client.shutdown()
            return answer
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func exchange(_ client: HTTPClient, url: String, body: [UInt8], headers: [(String, String)]) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .milliseconds(DurationText.milliseconds(timeout)))
        } catch let e as HTTPClientError {
            throw DeliveryError("\(Self.host(url)): \(e)", permanent: false)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw DeliveryError("\(Self.host(url)): \(error)")
        }
        let data = (try? await response.body.collect(upTo: 64 * 1024)) ?? ByteBuffer()
        let text = String(buffer: data).trimmingCharacters(in: .whitespacesAndNewlines)
        let excerpt = text.isEmpty ? "" : ": " + String(text.prefix(200))
        let code = Int(response.status.code)
        if (200..<300).contains(code) { return "HTTP \(code)\(excerpt)" }
        throw DeliveryError("\(Self.host(url)) answered HTTP \(code)\(excerpt)", permanent: code != 429 && code != 408 && code < 500)
    }

    /// `https://host:port` of a URL, for messages (no path: webhook paths hold tokens).
    static func host(_ url: String) -> String {
        guard let c = URLComponents(string: url), let scheme = c.scheme, let host = c.host else { return "the server" }
        return "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)\(c.port.map { ":\($0)" } ?? "")"
    }
}

/// JSON text with sorted keys and unescaped slashes, dates as ISO-8601.
enum NotifyJSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(Timestamps.format(date))
        }
        return Array(try e.encode(value))
    }

    /// Serialises a JSON-like tree (`[String: Any]`, arrays, strings, numbers, bools).
    static func serialize(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}
