// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

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
        .executableTarget(
            name: "strata",
            dependencies: [
                "StrataKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
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
