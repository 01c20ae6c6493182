// swift-tools-version:6.1
// A tiny app that refuses to start on a stale schema, using Strata's start-up gate (StrataKit's SchemaGate).
// It depends on the Strata package in this repository by relative path; in your own app use
// .package(url: "<the Strata repository>", from: "0.1.0") instead.
import PackageDescription

let package = Package(
    name: "startup-gate",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "strata", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "startup-gate",
            dependencies: [.product(name: "StrataKit", package: "strata")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
