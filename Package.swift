// swift-tools-version:6.1
import PackageDescription
#if canImport(Glibc)
import Glibc
#endif

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// How the `strata` binary is linked in release builds on Linux (see "Memory" in bench/README.md). The Swift driver
/// links executables with gold and `-export-dynamic`; with lld instead:
/// - `--no-export-dynamic`: the 47,000 symbols of our own modules stay out of the dynamic symbol table (nothing looks
///   them up at run time; crash backtraces read the full symbol table from the file), and `--gc-sections` can drop more;
/// - `-z pack-relative-relocs` (DT_RELR): the 141,000 relative relocations of a position-independent binary take 27 KB
///   instead of 3.3 MB, which the loader reads at every start. The binary then needs glibc 2.36 at run time (Debian
///   12, Ubuntu 22.10 and later, the Dockerfile's images), so it is only used when the building machine has that
///   glibc, and `STRATA_RELR=0 swift build -c release` leaves it out, for a binary that must also run on glibc
///   2.34/2.35 (RHEL 9, Ubuntu 22.04).
/// - `--symbol-ordering-file`: the protocol conformance descriptors, then the functions a run executes (Sources/strata/Linking/hot-functions.txt, recorded by
///   scripts/link-order.sh) placed together, so that a run maps a few MB of code instead of most of the 33 MB. Always
///   passed: the manifest may be evaluated before the sources are there (the Dockerfile resolves packages first).
///   lld moves sections, not functions: scripts/build-release.sh (what the Dockerfile and the benchmarks build with)
///   compiles every module with `-function-sections`, so that each function can move on its own.
/// - `--script=Sources/strata/Linking/private-functions.ld`: the functions without a symbol (which the ordering file
///   cannot name) placed together before the ordered ones; adds to lld's default layout (`INSERT BEFORE .text`).
/// Together: peak RSS of a run about 15 MB lower (40 -> 25 MB for an `up` with nothing to do on PostgreSQL), the binary
/// 8 MB smaller, ASLR kept.
let releaseLinkerFlags: [String] = {
    var flags = ["-use-ld=lld", "-Xlinker", "--no-export-dynamic"]
    if hostGlibcSupportsRELR && Context.environment["STRATA_RELR"] != "0" {
        flags += ["-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"]
    }
    let linking = Context.packageDirectory + "/Sources/strata/Linking/"
    flags += ["-Xlinker", "--symbol-ordering-file=" + linking + "hot-functions.txt", "-Xlinker", "--no-warn-symbol-ordering"]
    flags += ["-Xlinker", "--script=" + linking + "private-functions.ld"]
    return flags
}()

var hostGlibcSupportsRELR: Bool {
    #if canImport(Glibc)
    var buffer = [CChar](repeating: 0, count: 64)   // "glibc 2.36"
    guard confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count) > 0,
          let number = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: " ").last else { return false }
    let version = number.split(separator: ".").compactMap { Int($0) }
    return version.count >= 2 && (version[0], version[1]) >= (2, 36)
    #else
    return false
    #endif
}

let package = Package(
    name: "strata",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "StrataKit", targets: ["StrataKit"]),
        // The engine alone (no database library), for the parser fuzzer in fuzz/.
        .library(name: "StrataCore", targets: ["StrataCore"]),
        .executable(name: "strata", targets: ["strata"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "StrataCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "StrataPostgres",
            dependencies: [
                "StrataCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "StrataSQLite",
            dependencies: [
                "StrataCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "StrataSafety",
            dependencies: ["StrataCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "StrataDeploy",
            dependencies: ["StrataCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "StrataNotify",
            dependencies: [
                "StrataCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Templates")],
            swiftSettings: strict
        ),
        .target(
            name: "StrataAdopt",
            dependencies: ["StrataCore", "StrataSafety"],
            swiftSettings: strict
        ),
        .target(
            name: "StrataKit",
            dependencies: ["StrataCore", "StrataPostgres", "StrataSQLite", "StrataSafety", "StrataDeploy", "StrataNotify", "StrataAdopt"],
            swiftSettings: strict
        ),
        // One C function: glibc's mallopt is not visible from Swift.
        .target(name: "CStrataMalloc", path: "Sources/CStrataMalloc"),
        .executableTarget(
            name: "strata",
            dependencies: [
                "StrataKit",
                "CStrataMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Linking"],
            swiftSettings: strict,
            linkerSettings: [.unsafeFlags(releaseLinkerFlags, .when(platforms: [.linux], configuration: .release))]
        ),
        .target(
            name: "StrataTestSupport",
            dependencies: ["StrataKit"],
            path: "Tests/StrataTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "StrataCoreTests", dependencies: ["StrataCore"], resources: [.copy("Golden")], swiftSettings: strict),
        .testTarget(name: "StrataSQLiteTests", dependencies: ["StrataSQLite", "StrataKit", "StrataTestSupport"], swiftSettings: strict),
        .testTarget(name: "StrataPostgresTests", dependencies: ["StrataPostgres", "StrataKit", "StrataTestSupport"], swiftSettings: strict),
        .testTarget(name: "StrataKitTests", dependencies: ["StrataKit", "StrataTestSupport"], swiftSettings: strict),
        .testTarget(name: "StrataSafetyTests", dependencies: ["StrataSafety", "StrataKit", "StrataTestSupport"], swiftSettings: strict),
        .testTarget(name: "StrataDeployTests", dependencies: ["StrataDeploy", "StrataKit", "StrataTestSupport"], swiftSettings: strict),
        .testTarget(name: "StrataNotifyTests", dependencies: ["StrataNotify", "StrataKit", "StrataTestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "StrataAdoptTests", dependencies: ["StrataAdopt", "StrataKit", "StrataTestSupport"], swiftSettings: strict),
        .testTarget(name: "StrataCLITests", dependencies: ["StrataTestSupport"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
