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
    /// How many steps are encoded, a fingerprint of them (to notice a list that changed other than by growing), and
    /// their JSON: array elements indented as in the file, joined by ",\n". The steps themselves are not kept: a
    /// copy of the list (the reporter's own grows by one step at a time) cost a second list and a copy per write.
    private var count = 0
    private var fingerprint = Hasher()
    private var encoded = Data()

    /// How the pretty-printing encoder writes an empty `applied` list at the top level of a status.
    static let emptyList = Data("\"applied\" : [\n\n  ]".utf8)
    private static let listStart = Data("\"applied\" : [\n".utf8)
    private static let listEnd = Data("\n  ]".utf8)

    init() {}

    /// The status file's bytes for `status`.
    mutating func data(for status: RunStatus) throws -> Data {
        let parts = try chunks(for: status)
        guard parts.count > 1 else { return parts.first ?? Data() }
        var out = Data()
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts { out.append(part) }
        return out
    }

    /// The status file's bytes for `status`, in pieces to write one after the other (the steps' JSON, a megabyte
    /// over 10,000 migrations, is not copied into one buffer first).
    mutating func chunks(for status: RunStatus) throws -> [Data] {
        guard !status.applied.isEmpty else { return [try status.jsonData()] }
        var rest = status
        rest.applied = []
        let head = try rest.jsonData()
        guard let slot = head.range(of: Self.emptyList) else { return [try status.jsonData()] }
        if status.applied.count < count || Self.fingerprint(of: status.applied.prefix(count)) != fingerprint.finalizeCopy() {
            count = 0
            fingerprint = Hasher()
            encoded = Data()
        }
        if count < status.applied.count {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            for step in status.applied[count...] {
                if !encoded.isEmpty { encoded.append(contentsOf: ",\n".utf8) }
                Self.appendIndented(try encoder.encode(step), to: &encoded)
                fingerprint.combine(step)
            }
            count = status.applied.count
        }
        return [head[head.startIndex..<slot.lowerBound], Self.listStart, encoded, Self.listEnd, head[slot.upperBound...]]
    }

    /// The fingerprint of `steps`, as kept for the steps encoded so far.
    private static func fingerprint(of steps: ArraySlice<RunStatusStep>) -> Int {
        var hasher = Hasher()
        for step in steps { hasher.combine(step) }
        return hasher.finalize()
    }

    /// `json` (an object encoded at the top level) indented by four spaces, as an element of the status's list.
    /// Strings in JSON hold no raw newline, so every line break is one to indent after.
    private static func appendIndented(_ json: Data, to out: inout Data) {
        let indent = Array("    ".utf8)
        out.append(contentsOf: indent)
        var start = json.startIndex
        for i in json.indices where json[i] == 0x0A {
            out.append(json[start...i])
            out.append(contentsOf: indent)
            start = i + 1
        }
        out.append(json[start...])
    }
}

private extension Hasher {
    /// The value `finalize()` would give, leaving this hasher as it is.
    func finalizeCopy() -> Int { finalize() }
}
