import Foundation
@testable import StrataDeploy
import StrataKit

/// A temporary directory for one test, removed afterwards.
struct TempDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("strata-deploy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }

    static func with<R>(_ body: (TempDirectory) async throws -> R) async throws -> R {
        let dir = try TempDirectory()
        defer { dir.remove() }
        return try await body(dir)
    }
}

/// A running status as a fresh run would write it.
func sampleStatus(pid: Int32 = getpid(), host: String = ProcessInfo.processInfo.hostName, startedAt: Date = Date(),
                  environment: String = "staging") -> RunStatus {
    var s = RunStatus(status: .running, environment: environment, runID: "20261123T140501-1a2b3c4d", pid: pid, host: host, user: "deploy",
                      startedAt: startedAt, command: "strata up --env staging", logFile: "/var/log/strata/migration-staging-20261123_140501.log",
                      message: "running", detached: true)
    s.database = "postgres://app@db/app"
    return s
}

/// The file's mode bits.
func fileMode(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

/// Runs a program to completion; returns its exit status and output.
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = environment }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
