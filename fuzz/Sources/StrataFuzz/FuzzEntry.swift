import CFuzzDriver
import StrataCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands the process to libFuzzer's driver (SwiftPM renames an executable's `main`, so libFuzzer's own is not linked).
@main
enum StrataFuzz {
    static func main() {
        exit(strata_fuzz_run_driver(CommandLine.argc, CommandLine.unsafeArgv, fuzzOneInput))
    }
}

/// libFuzzer's entry point: every input goes through the statement splitter and the file parser
/// (as a file with `-- strata:` sections and as a whole `.up.sql` / `.down.sql` file), and each result
/// is checked against properties that must hold for any text. A broken property is a crash
/// (`fatalError`), which libFuzzer records like any other.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Migration files are read as UTF-8 (invalid files are refused before parsing); repair, don't skip.
    let text = String(decoding: bytes, as: UTF8.self)
    SplitterProperties.check(text, startLine: 1)
    SplitterProperties.check(text, startLine: 41)
    ParserProperties.check(text)
    return 0
}
