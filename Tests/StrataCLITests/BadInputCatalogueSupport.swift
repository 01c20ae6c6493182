import Foundation
import StrataKit
import StrataTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One entry of the bad-input catalogue: what to put in the workspace, what to run, and what must come out.
/// Every case starts from a SQLite database with `0001_a` applied and `0002`-level input added; after the run
/// the database file must be byte-identical (nothing applied, nothing recorded).
struct BadInputCase: Sendable, CustomTestStringConvertible {
    var name: String
    /// Files to write under the workspace (bytes), relative to it: `migrations/0002_b.sql`, `strata.toml`…
    var files: [String: [UInt8]] = [:]
    /// Symbolic links to make: link path (relative) → destination (as given).
    var links: [String: String] = [:]
    var arguments: [String] = ["up"]
    var environment: [String: String] = [:]
    var exitCode: Int32
    /// Each must appear in stderr: the file with line:column, the flag, the value, the reason.
    var messages: [String]

    var testDescription: String { name }

    init(_ name: String, files: [String: String] = [:], bytes: [String: [UInt8]] = [:], links: [String: String] = [:],
         arguments: [String] = ["up"], environment: [String: String] = [:], exit: Int32, _ messages: [String]) {
        self.name = name
        self.files = files.mapValues { Array($0.utf8) }.merging(bytes) { _, b in b }
        self.links = links
        self.arguments = arguments
        self.environment = environment
        self.exitCode = exit
        self.messages = messages
    }

    /// A migration file `migrations/<file>` holding `text`.
    static func migration(_ name: String, _ file: String, _ text: String, exit: Int32 = 5, _ messages: [String]) -> BadInputCase {
        BadInputCase(name, files: ["migrations/\(file)": text], exit: exit, messages)
    }

    /// Runs the case in a fresh workspace and checks exit code, messages and the untouched database.
    func check(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await CLIWorkspace.with { ws in
            try ws.migration("0001_a.sql", up: "CREATE TABLE a (id integer);", down: "DROP TABLE a;")
            let setup = try await ws.run(["up"])
            try #require(setup.exitCode == 0, "\(setup)", sourceLocation: sourceLocation)
            let before = try ws.databaseBytes()

            for (path, bytes) in files { try ws.writeBytes(path, bytes) }
            for (link, destination) in links { try ws.symlink(link, to: destination) }
            let r = try await ws.run(arguments, environment: environment, limit: .seconds(120))
            #expect(r.exitCode == exitCode, "\(r)", sourceLocation: sourceLocation)
            for m in messages { #expect(r.stderr.contains(m), "stderr should mention \(m.debugDescription): \(r)", sourceLocation: sourceLocation) }
            #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"), "crashed: \(r)", sourceLocation: sourceLocation)
            #expect(try ws.databaseBytes() == before, "the database file changed", sourceLocation: sourceLocation)
        }
    }
}

extension CLIWorkspace {
    /// Writes raw bytes to `relative` (creating folders).
    func writeBytes(_ relative: String, _ bytes: [UInt8]) throws {
        let url = directory.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Makes `relative` a symbolic link to `destination` (a path as written into the link).
    func symlink(_ relative: String, to destination: String) throws {
        let url = directory.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: destination)
    }

    /// The bytes of `strata.sqlite`, nil when it does not exist.
    func databaseBytes() throws -> Data? {
        FileManager.default.fileExists(atPath: sqlitePath) ? try Data(contentsOf: URL(fileURLWithPath: sqlitePath)) : nil
    }
}

enum BadInputHost {
    /// chmod 000 does not stop root from reading a file.
    static var isRoot: Bool { getuid() == 0 }
}
