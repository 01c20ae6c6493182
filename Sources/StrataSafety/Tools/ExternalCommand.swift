import Foundation
import Synchronization

/// A program Strata runs (pg_dump, pg_restore, psql), with secrets passed in the environment only.
///
/// ```swift
/// let result = try await ExternalCommand(executable: "/usr/lib/postgresql/15/bin/pg_dump",
///                                        arguments: ["--version"]).run()
/// print(result.stdout)
/// ```
public struct ExternalCommand: Sendable {
    public var executable: String
    public var arguments: [String]
    /// Added to (and overriding) the inherited environment.
    public var environment: [String: String] = [:]
    /// Inherited variables removed before `environment` is applied.
    public var removedVariables: [String] = []

    public init(executable: String, arguments: [String], environment: [String: String] = [:]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The program's name and arguments, for messages (never holds a secret: those are in the environment).
    public var commandLine: String { ([URL(fileURLWithPath: executable).lastPathComponent] + arguments).joined(separator: " ") }

    /// Runs the program to its end with stdin from /dev/null. Cancelling the task terminates it (SIGTERM, then SIGKILL after 2 s).
    public func run() async throws -> Result {
        let process = try makeProcess()
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        let waiter = try Self.start(process, command: commandLine)
        async let err = Self.readAll(errPipe.fileHandleForReading)
        async let out = Self.readAll(outPipe.fileHandleForReading)
        await waiter.wait()
        let result = Result(status: process.terminationStatus, stdout: String(decoding: await out, as: UTF8.self),
                            stderr: String(decoding: await err, as: UTF8.self))
        try Task.checkCancellation()
        return result
    }

    /// Runs the program and fails unless it exits with 0; the error holds the end of its stderr.
    @discardableResult
    public func runChecked() async throws -> Result {
        let r = try await run()
        try r.check(commandLine)
        return r
    }

    /// Runs `first | second` (the first's stdout feeds the second's stdin); fails unless both exit with 0.
    public static func pipeline(_ first: ExternalCommand, _ second: ExternalCommand) async throws {
        let a = try first.makeProcess(), b = try second.makeProcess()
        let pipe = Pipe(), errA = Pipe(), errB = Pipe(), outB = Pipe()
        a.standardInput = FileHandle.nullDevice
        a.standardOutput = pipe
        a.standardError = errA
        b.standardInput = pipe
        b.standardOutput = outB
        b.standardError = errB
        let wb = try start(b, command: second.commandLine)
        let wa: Waiter
        do {
            wa = try start(a, command: first.commandLine)
        } catch {
            b.terminate()
            throw error
        }
        // Our copies of the pipe's ends must close, or the reader never sees end-of-file.
        try? pipe.fileHandleForReading.close()
        try? pipe.fileHandleForWriting.close()
        async let ea = readAll(errA.fileHandleForReading)
        async let eb = readAll(errB.fileHandleForReading)
        async let ob = readAll(outB.fileHandleForReading)
        await wa.wait()
        await wb.wait()
        let ra = Result(status: a.terminationStatus, stdout: "", stderr: String(decoding: await ea, as: UTF8.self))
        let rb = Result(status: b.terminationStatus, stdout: String(decoding: await ob, as: UTF8.self), stderr: String(decoding: await eb, as: UTF8.self))
        try Task.checkCancellation()
        try rb.check(second.commandLine)
        try ra.check(first.commandLine)
    }

    private func makeProcess() throws -> Process {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ExternalCommandError(command: commandLine, message: "\(executable) is not an executable file")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for k in removedVariables { env[k] = nil }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        return process
    }

    /// Waits for a started process; cancelling the waiting task terminates it.
    final class Waiter: Sendable {
        private let state = Mutex<(exited: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
        private let process: Process

        init(_ process: Process) {
            self.process = process
        }

        func exited() {
            let c = state.withLock { s -> CheckedContinuation<Void, Never>? in
                s.exited = true
                defer { s.waiter = nil }
                return s.waiter
            }
            c?.resume()
        }

        func wait() async {
            let process = self.process
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { s -> Bool in
                        if s.exited { return true }
                        s.waiter = c
                        return false
                    }
                    if now { c.resume() }
                }
            } onCancel: {
                process.terminate()
                let pid = process.processIdentifier
                DispatchQueue.global().asyncAfter(deadline: .now() + 2) { if process.isRunning { kill(pid, SIGKILL) } }
            }
        }
    }

    private static func start(_ process: Process, command: String) throws -> Waiter {
        let waiter = Waiter(process)
        process.terminationHandler = { _ in waiter.exited() }
        do {
            try process.run()
        } catch {
            throw ExternalCommandError(command: command, message: "cannot start: \(error.localizedDescription)")
        }
        return waiter
    }

    private static func readAll(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { c in
            DispatchQueue.global().async { c.resume(returning: (try? handle.readToEnd()) ?? Data()) }
        }
    }
}


extension ExternalCommand.Result {
    func check(_ command: String) throws {
        guard status == 0 else {
            let tail = stderr.split(separator: "\n").suffix(8).joined(separator: "\n")
            throw ExternalCommandError(command: command, message: "exited with status \(status)" + (tail.isEmpty ? "" : ":\n" + tail))
        }
    }
}

/// An external program failed or could not be started.
public struct ExternalCommandError: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var message: String
    public init(command: String, message: String) {
        self.command = command
        self.message = message
    }
    public var description: String { "\(command): \(message)" }
}
