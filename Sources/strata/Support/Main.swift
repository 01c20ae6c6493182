import ArgumentParser
import CStrataMalloc
import Foundation
import StrataKit

@main
struct Main {
    static func main() async {
        // Output into a closed pipe (`strata status | head`) gets EPIPE, which Output ignores, instead of a fatal SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        // One malloc arena instead of up to 16 on two cores: 2–3 MiB less peak RSS over 10,000 migrations, for at most
        // 5% more time where files are parsed on both cores (see bench/README.md, "Memory"). MALLOC_ARENA_MAX or
        // glibc.malloc.arena_max in GLIBC_TUNABLES still decide.
        let tunables = getenv("GLIBC_TUNABLES").map { String(cString: $0) } ?? ""
        if getenv("MALLOC_ARENA_MAX") == nil && !tunables.contains("arena_max") { _ = strata_limit_malloc_arenas(1) }
        let args = reorderGlobalOptions(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try StrataCommand.parseAsRoot(args)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let code = StrataCommand.exitCode(for: error)
            let message = StrataCommand.fullMessage(for: error)
            if code == .success {
                print(message)
                exit(0)
            }
            let exitCode = code == .validationFailure ? StrataExit.usage : StrataExit(rawValue: code.rawValue) ?? .failure
            let output = Output(json: args.contains("--json"), quiet: false, verbose: false, noColor: true, redactor: Redactor())
            output.error(message, code: exitCode)
            exit(exitCode.rawValue)
        }
    }

    /// Lets global options come before the subcommand (`strata -d URL status`), by moving them after it.
    static func reorderGlobalOptions(_ args: [String]) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if GlobalOptions.valueOptions.contains(name) {
                leading.append(a)
                if !a.contains("="), i + 1 < args.count { leading.append(args[i + 1]); i += 1 }
                i += 1
            } else if GlobalOptions.flagOptions.contains(a) {
                leading.append(a)
                i += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, i < args.count, !args[i].hasPrefix("-") else { return args }
        var path = [args[i]]
        var j = i + 1
        // Keep nested subcommands (none yet beyond one level) right after the first.
        while j < args.count, StrataCommand.nestedNames.contains(args[j]) { path.append(args[j]); j += 1 }
        return path + leading + Array(args[j...])
    }
}
