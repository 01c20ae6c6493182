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
        .executable(name: "strata", targets: ["strata"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
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
            name: "StrataKit",
            dependencies: ["StrataCore", "StrataPostgres", "StrataSQLite"],
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
        .testTarget(name: "StrataCLITests", dependencies: ["StrataTestSupport"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
