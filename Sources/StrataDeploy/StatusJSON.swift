import Foundation

/// Encodes a run's status as ``RunStatus/jsonData()`` does, byte for byte, but each applied step only once.
///
/// A status file lists every migration the run applied, and a run rewrites it several times a second: over 10,000
/// migrations, encoding the whole list each time took most of the reporter's CPU time and 4 MB of encoder state.
/// This encodes the steps added since the last call, keeps their JSON, and splices it into the rest of the status
/// (encoded with an empty list). When the list changed other than by growing, or the encoder's output does not have
/// the expected shape, it encodes the whole status the plain way.
///
/// ```swift
/// var json = StatusJSON()
/// let data = try json.data(for: status)   // == try status.jsonData()
/// ```
struct StatusJSON {
    /// The steps encoded so far, and their JSON: array elements indented as in the file, joined by ",\n".
    private var steps: [RunStatusStep] = []
    private var encoded: [UInt8] = []

    /// How the pretty-printing encoder writes an empty `applied` list at the top level of a status.
    static let emptyList = Data("\"applied\" : [\n\n  ]".utf8)
    private static let listStart = Array("\"applied\" : [\n".utf8)
    private static let listEnd = Array("\n  ]".utf8)

    init() {}

    /// The status file's bytes for `status`.
    mutating func data(for status: RunStatus) throws -> Data {
        guard !status.applied.isEmpty else { return try status.jsonData() }
        var rest = status
        rest.applied = []
        let head = try rest.jsonData()
        guard let slot = head.range(of: Self.emptyList) else { return try status.jsonData() }
        if status.applied.count < steps.count || !status.applied.starts(with: steps) {
            steps = []
            encoded = []
        }
        if steps.count < status.applied.count {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            for step in status.applied[steps.count...] {
                if !encoded.isEmpty { encoded.append(contentsOf: ",\n".utf8) }
                Self.appendIndented(try encoder.encode(step), to: &encoded)
            }
            steps = status.applied
        }
        var out = Data()
        out.reserveCapacity(head.count + encoded.count + Self.listStart.count + Self.listEnd.count)
        out.append(head[head.startIndex..<slot.lowerBound])
        out.append(contentsOf: Self.listStart)
        out.append(contentsOf: encoded)
        out.append(contentsOf: Self.listEnd)
        out.append(head[slot.upperBound...])
        return out
    }

    /// `json` (an object encoded at the top level) indented by four spaces, as an element of the status's list.
    /// Strings in JSON hold no raw newline, so every line break is one to indent after.
    private static func appendIndented(_ json: Data, to out: inout [UInt8]) {
        let indent: [UInt8] = Array("    ".utf8)
        out.append(contentsOf: indent)
        for byte in json {
            out.append(byte)
            if byte == 0x0A { out.append(contentsOf: indent) }
        }
    }
}
