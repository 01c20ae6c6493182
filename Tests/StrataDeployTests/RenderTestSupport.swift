import Foundation
@testable import StrataDeploy
import StrataKit
import StrataTestSupport
import Testing
import Yams

/// The real validators the rendered files are checked with (PyPI packages that scripts/test.sh installs).
/// A missing validator is a failure that says how to install it, never a silent pass.
enum RenderValidators {
    struct Missing: Error, CustomStringConvertible {
        var package: String
        var description: String { "\(package) is not installed: python3 -m pip install \(package) (scripts/test.sh installs it)" }
    }

    struct Result {
        var status: Int32
        var output: String
    }

    static func python(_ module: String, package: String, _ arguments: [String]) throws -> Result {
        let r = try runProgram("/usr/bin/env", ["python3", "-m", module] + arguments)
        if r.status != 0, (r.stdout + r.stderr).contains("No module named \(module)") || r.stderr.contains("python3: No such file") {
            throw Missing(package: package)
        }
        return Result(status: r.status, output: r.stdout + r.stderr)
    }

    /// `kubernetes-validate --strict FILE…` (unknown fields are errors too).
    static func kubernetes(_ paths: [String]) throws -> Result {
        try python("kubernetes_validate", package: "kubernetes-validate", ["--strict"] + paths)
    }

    /// `check-jsonschema --builtin-schema vendor.NAME FILE` (schemas shipped with the package: no network).
    static func jsonSchema(_ schema: String, _ path: String) throws -> Result {
        try python("check_jsonschema", package: "check-jsonschema", ["--builtin-schema", "vendor.\(schema)", path])
    }
}

/// Every YAML document of a rendered file.
func documents(_ text: String) throws -> [Node] {
    Array(try Yams.compose_all(yaml: text))
}

/// The single file a renderer produced.
func single(_ files: [RenderedFile]) throws -> RenderedFile {
    try #require(files.count == 1 ? files.first : nil, "expected one file, got \(files.map(\.name))")
}

extension Node {
    /// `node["a"]?["b"]?[0]` without the optional chain noise: `node.at("a", "b", 0)`.
    func at(_ path: Any...) -> Node? {
        var node: Node? = self
        for step in path {
            switch step {
            case let key as String: node = node?[key]
            case let index as Int: node = node.flatMap { $0.array().indices.contains(index) ? $0.array()[index] : nil }
            default: return nil
            }
        }
        return node
    }

    /// A sequence's items, or a mapping's keys, as strings.
    var strings: [String] { array().compactMap(\.string) }
    var keys: [String] { mapping?.keys.compactMap(\.string) ?? [] }

    /// True for a string scalar (quoted when a YAML reader would otherwise read something else).
    var isString: Bool { scalar != nil && tag.rawValue == Tag.Name.str.rawValue }
}

/// The `strata` binary run in `directory` with the caller's environment minus database and Strata settings.
struct StrataCLI {
    let directory: String

    static var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("PG") && !key.hasPrefix("DATABASE_") && !key.hasPrefix("DB_") && !key.hasPrefix("STRATA_") || key == "STRATA_BIN"
        }
    }

    func process(_ arguments: [String], stdout: URL, stderr: URL) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnvironment.strataBinary)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        p.environment = Self.cleanEnvironment
        FileManager.default.createFile(atPath: stdout.path, contents: nil)
        FileManager.default.createFile(atPath: stderr.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: stdout)
        p.standardError = try FileHandle(forWritingTo: stderr)
        p.standardInput = FileHandle.nullDevice
        return p
    }

    /// Runs `strata ARGS` to completion.
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let out = URL(fileURLWithPath: directory).appendingPathComponent(".out-\(UUID().uuidString)")
        let err = URL(fileURLWithPath: directory).appendingPathComponent(".err-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        let p = try process(arguments, stdout: out, stderr: err)
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOf: out, encoding: .utf8), try String(contentsOf: err, encoding: .utf8))
    }

    func write(_ name: String, _ text: String) throws {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ name: String) throws -> String {
        try String(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name), encoding: .utf8)
    }
}
