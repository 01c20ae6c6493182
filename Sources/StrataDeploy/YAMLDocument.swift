import Foundation
import Yams

/// Key/value pairs encoded as a YAML mapping in the order given (Swift dictionaries have no stable order,
/// and rendered files must be the same on every run).
struct OrderedMap<Value: Encodable & Sendable>: Encodable, Sendable {
    var pairs: [(key: String, value: Value)]

    init(_ pairs: [(String, Value)]) { self.pairs = pairs.map { (key: $0.0, value: $0.1) } }

    var isEmpty: Bool { pairs.isEmpty }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (k, v) in pairs { try container.encode(v, forKey: Key(stringValue: k)) }
    }
}

/// An empty YAML mapping (`{}`), e.g. `emptyDir: {}` or `workflow_dispatch: {}`.
struct EmptyMapping: Encodable, Sendable {
    private enum NoKeys: CodingKey {}
    func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoKeys.self) }
}

/// Turns the renderers' Codable documents into YAML text with Yams.
enum YAMLDocument {
    /// One document per value, each starting with `---`; multi-line strings (scripts) as literal blocks.
    static func encode(_ documents: [any Encodable], header: String? = nil, explicitStart: Bool = false) throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.indent = 2
        encoder.options.width = -1
        encoder.options.newLineScalarStyle = .literal
        encoder.options.explicitStart = explicitStart || documents.count > 1
        var text = header.map(comment) ?? ""
        for document in documents {
            text += try encoder.encode(AnyEncodable(document))
        }
        return text
    }

    /// `text` as `# ` comment lines.
    static func comment(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "#" : "# \($0)" }.joined(separator: "\n") + "\n"
    }

    private struct AnyEncodable: Encodable {
        let value: any Encodable
        init(_ value: any Encodable) { self.value = value }
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }
}

/// A string always written in double quotes (`restart: "no"`, `user: "1000:1000"`), whatever a YAML 1.1
/// reader would otherwise make of it (a boolean, a base-60 number).
struct Quoted: Encodable, YAMLEncodable, Sendable {
    var value: String
    init(_ value: String) { self.value = value }
    func box() -> Node { Node(value, Tag(.str), .doubleQuoted) }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}
