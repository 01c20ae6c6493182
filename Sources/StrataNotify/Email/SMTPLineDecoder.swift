import NIOCore

/// Splits the server's bytes into lines (CRLF or LF), for the SMTP reply parser.
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String
    static let maximumLineLength = 16_384

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength { throw DeliveryError("the SMTP server sent a line longer than \(Self.maximumLineLength) bytes", permanent: true) }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        var line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// One SMTP reply: a code and its text lines (`250-PIPELINING` … `250 SMTPUTF8`).
struct SMTPReply: Sendable, CustomStringConvertible {
    var code: Int
    var lines: [String]
    var description: String { "\(code) \(lines.joined(separator: " / "))" }
    var isPositive: Bool { (200..<400).contains(code) }
    /// 5xx replies mean the same request will fail again.
    var isPermanent: Bool { (500..<600).contains(code) }
}
