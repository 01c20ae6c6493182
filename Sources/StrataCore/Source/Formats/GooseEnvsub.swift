import Foundation

/// goose's `-- +goose ENVSUB ON` substitution, as its interpolation library does it (a port of
/// github.com/mfridman/interpolate): `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
/// `${VAR:offset[:length]}`; `$$` and `\$` give `$`; `\\` stays; `$(` is left alone. Unset variables expand to "".
///
/// ```swift
/// try GooseEnvsub.expand("GRANT SELECT ON t TO ${ROLE:-app};", variables: [:])  // "GRANT SELECT ON t TO app;"
/// ```
enum GooseEnvsub {
    struct Failure: Error { var message: String }

    static func expand(_ text: String, variables: [String: String]) throws(Failure) -> String {
        var p = Parser(chars: Array(text.unicodeScalars), variables: variables)
        return try p.expression(stop: [])
    }

    private struct Parser {
        var chars: [Unicode.Scalar]
        var pos = 0
        var variables: [String: String]

        init(chars: [Unicode.Scalar], variables: [String: String]) {
            self.chars = chars
            self.variables = variables
        }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? { pos + offset < chars.count ? chars[pos + offset] : nil }
        func starts(_ s: String) -> Bool {
            let u = Array(s.unicodeScalars)
            guard pos + u.count <= chars.count else { return false }
            return Array(chars[pos..<(pos + u.count)]) == u
        }

        /// Text and expansions up to one of `stop` (not consumed) or the end.
        mutating func expression(stop: Set<Unicode.Scalar>) throws(Failure) -> String {
            var out = ""
            while let c = peek(), !stop.contains(c) {
                if starts("\\\\") { pos += 2; out += "\\\\"; continue }
                if starts("\\$") || starts("$$") { pos += 2; out += "$"; continue }
                if starts("$(") { pos += 2; out += "$("; continue }
                if c == "$" && pos < chars.count - 1 { out += try expansion(); continue }
                pos += 1
                out.unicodeScalars.append(c)
                while let n = peek(), n != "$", n != "\\", !stop.contains(n) { out.unicodeScalars.append(n); pos += 1 }
            }
            return out
        }

        mutating func identifier() throws(Failure) -> String {
            guard let c = peek(), c.properties.isAlphabetic else {
                throw Failure(message: "expected a variable name after `$`, got `\(peek().map { String($0) } ?? "end of line")`")
            }
            var name = ""
            while let n = peek(), n.properties.isAlphabetic || n.properties.numericType != nil || n == "_" { name.unicodeScalars.append(n); pos += 1 }
            return name
        }

        mutating func expansion() throws(Failure) -> String {
            pos += 1  // "$"
            guard peek() == "{" else { return variables[try identifier()] ?? "" }
            pos += 1
            let name = try identifier()
            if peek() == "}" { pos += 1; return variables[name] ?? "" }
            let value = variables[name]
            let result: String
            switch peek() {
            case ":" where peek(1) == "-":
                pos += 2
                let fallback = try expression(stop: ["}"])
                result = (value ?? "").isEmpty ? fallback : value ?? ""
            case "-":
                pos += 1
                let fallback = try expression(stop: ["}"])
                result = value ?? fallback
            case "?":
                pos += 1
                let message = try expression(stop: ["}"])
                guard let value else { throw Failure(message: "$\(name): \(message.isEmpty ? "not set" : message)") }
                result = value
            case ":":
                pos += 1
                result = try substring(value ?? "")
            default:
                throw Failure(message: "expected an operator (:-, -, ?, :) after ${\(name), got `\(peek().map { String($0) } ?? "end of line")`")
            }
            guard peek() == "}" else { throw Failure(message: "expected `}` to close ${\(name)") }
            pos += 1
            return result
        }

        mutating func substring(_ value: String) throws(Failure) -> String {
            func number(until: Set<Unicode.Scalar>) throws(Failure) -> Int {
                var text = ""
                while let c = peek(), !until.contains(c) { text.unicodeScalars.append(c); pos += 1 }
                guard let n = Int(text.trimmingCharacters(in: .whitespaces)) else { throw Failure(message: "unable to parse offset `\(text)`") }
                return n
            }
            let bytes = Array(value.utf8)
            var from = try number(until: [":", "}"])
            if from < 0 { from += bytes.count }
            from = max(0, min(from, bytes.count))
            guard peek() == ":" else { return String(decoding: bytes[from...], as: UTF8.self) }
            pos += 1
            var to = try number(until: ["}"])
            if to >= 0 { to += from } else { to = max(from, to + bytes.count) }
            to = min(to, bytes.count)
            return String(decoding: bytes[from..<to], as: UTF8.self)
        }
    }
}
