// swift-tools-version:6.1
// A libFuzzer target over Strata's migration file parser and statement splitter. Not part of the root
// package: build and run it with fuzz/run.sh (see fuzz/README.md).
import PackageDescription

let package = Package(
    name: "strata-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "strata", path: "..")],
    targets: [
        // libFuzzer's driver, called from the executable's entry point (SwiftPM renames `main`).
        .target(name: "CFuzzDriver"),
        .executableTarget(
            name: "StrataFuzz",
            dependencies: ["CFuzzDriver", .product(name: "StrataCore", package: "strata")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
