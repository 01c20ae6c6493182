import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts a process that outlives its caller's terminal and SSH session.
///
/// It uses `posix_spawn` (never `fork`, which is unsafe in a multithreaded Swift process) with:
/// its own session (`POSIX_SPAWN_SETSID`: no controlling terminal, out of the caller's process group, so a
/// hang-up of the caller's session does not reach it), stdin from `/dev/null`, stdout and stderr to `output`,
/// no other file descriptors, an empty signal mask and default handling of SIGINT/SIGTERM/SIGQUIT/SIGPIPE.
/// SIGHUP keeps the caller's disposition: ignore it before calling (the runner also ignores it itself).
public enum DetachedProcess {
    /// glibc's value (`<spawn.h>`, under `_GNU_SOURCE`, which Swift's Glibc module does not define).
    static let spawnSetSID: Int16 = 0x80

    /// This executable: `/proc/self/exe` resolved, else `CommandLine.arguments[0]` made absolute.
    public static func currentExecutable() -> String {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            // The binary replaced while running (a deploy): the kernel appends " (deleted)".
            let path = target.hasSuffix(" (deleted)") ? String(target.dropLast(10)) : target
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        let arg0 = CommandLine.arguments.first ?? "strata"
        if arg0.hasPrefix("/") { return arg0 }
        if arg0.contains("/") { return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(arg0).standardizedFileURL.path }
        return arg0
    }

    /// Spawns `executable` with `arguments` (argv[0] is `executable`) and `environment`; returns its pid.
    /// The caller should not wait for it: when the caller exits, it is re-parented and reaped by init.
    public static func spawn(executable: String, arguments: [String], environment: [String: String], output: Int32) throws -> Int32 {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }

        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGQUIT, SIGPIPE] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        let flags = spawnSetSID | Int16(POSIX_SPAWN_SETSIGMASK) | Int16(POSIX_SPAWN_SETSIGDEF)
        guard posix_spawnattr_setflags(&attr, flags) == 0 else { throw DeployError("posix_spawnattr_setflags failed") }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        closeFrom(3, &actions)

        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        var argvC: [UnsafeMutablePointer<CChar>?] = argv + [nil]
        var envC: [UnsafeMutablePointer<CChar>?] = envp + [nil]
        let rc = posix_spawn(&pid, executable, &actions, &attr, &argvC, &envC)
        guard rc == 0 else { throw DeployError.errno("cannot start \(executable)", rc) }
        return pid
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+), looked up at run time; without it, descriptors
    /// opened with O_CLOEXEC (all of Strata's and Foundation's) are closed by exec anyway.
    private static func closeFrom(_ fd: Int32, _ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, fd)
    }
}
