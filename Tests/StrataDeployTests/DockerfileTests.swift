import Foundation
import Testing

/// The repository's Dockerfile, read instruction by instruction (no Docker daemon runs here to build it):
/// a multi-stage build, a slim runtime with the PostgreSQL 15 client, user 1000, /tmp for everything written.
@Suite("Dockerfile")
struct DockerfileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Instruction {
        var keyword: String
        var arguments: String
    }

    /// Instructions with continuation lines joined and comments dropped, grouped by stage (a stage starts at FROM).
    static func stages() throws -> [[Instruction]] {
        let text = try String(contentsOf: root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        var logical: [String] = []
        var current = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                current += line.dropLast() + " "
                continue
            }
            current += line
            if !current.trimmingCharacters(in: .whitespaces).isEmpty { logical.append(current) }
            current = ""
        }
        var stages: [[Instruction]] = [[]]
        for line in logical {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            let instruction = Instruction(keyword: parts[0].uppercased(), arguments: parts.count > 1 ? parts[1] : "")
            if instruction.keyword == "FROM" { stages.append([]) }
            stages[stages.count - 1].append(instruction)
        }
        return stages.filter { !$0.isEmpty }
    }

    func values(_ stage: [Instruction], _ keyword: String) -> [String] {
        stage.filter { $0.keyword == keyword }.map(\.arguments)
    }

    @Test("multi-stage: a Swift 6 builder making a static release binary, a Debian slim runtime copying only the binary")
    func multiStage() throws {
        let all = try Self.stages()
        let withFrom = all.filter { $0.first?.keyword == "FROM" }
        try #require(withFrom.count == 2, "\(all.map { $0.map(\.keyword) })")
        let (build, runtime) = (withFrom[0], withFrom[1])
        let buildFrom = try #require(build.first).arguments
        #expect(buildFrom.hasPrefix("swift:${SWIFT_VERSION}") && buildFrom.hasSuffix(" AS build"), "\(buildFrom)")
        let swiftVersion = try #require(values(all[0], "ARG").first { $0.hasPrefix("SWIFT_VERSION=") })
        #expect(swiftVersion.hasPrefix("SWIFT_VERSION=6."))
        #expect(values(build, "RUN").contains { $0.contains("scripts/build-release.sh") })
        #expect(values(build, "COPY").contains("scripts/build-release.sh ./scripts/"))
        // The script builds the static release binary.
        let script = try String(contentsOf: Self.root.appendingPathComponent("scripts/build-release.sh"), encoding: .utf8)
        #expect(script.contains("-c release --product strata --static-swift-stdlib"))
        let runtimeFrom = try #require(runtime.first).arguments
        #expect(runtimeFrom.hasPrefix("debian:bookworm-slim") || runtimeFrom.contains("-slim"), "\(runtimeFrom)")
        #expect(values(runtime, "COPY") == ["--from=build /out/strata /usr/local/bin/strata"])
        #expect(values(runtime, "RUN").contains { $0.contains("postgresql-client-15") && $0.contains("rm -rf /var/lib/apt/lists/*") })
        // What the build stage copies exists.
        for source in ["Package.swift", "Sources", "scripts/build-release.sh"] {
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(source).path))
        }
    }

    @Test("the runtime runs as user 1000, writes only to /tmp, and has strata as its exec-form entrypoint")
    func runtime() throws {
        let runtime = try #require(try Self.stages().last)
        let users = values(runtime, "USER")
        #expect(users.count == 1 && (users.first == "1000" || users.first == "1000:1000"), "\(users)")
        let userIndex = try #require(runtime.firstIndex { $0.keyword == "USER" })
        #expect(!runtime[userIndex...].contains { $0.keyword == "RUN" }, "nothing runs as root after USER")
        #expect(values(runtime, "RUN").contains { $0.contains("useradd --uid 1000") })
        let env = values(runtime, "ENV").joined(separator: " ").split(separator: " ").map(String.init)
        #expect(env.contains("HOME=/tmp") && env.contains("TMPDIR=/tmp"), "\(env)")
        let entrypoint = try #require(values(runtime, "ENTRYPOINT").last)
        let parsed = try JSONDecoder().decode([String].self, from: Data(entrypoint.utf8))
        #expect(parsed == ["strata"])
        #expect(values(runtime, "WORKDIR") == ["/app"])
    }

    @Test(".dockerignore sends only the manifest, the sources and the release build script to the builder")
    func dockerignore() throws {
        let lines = try String(contentsOf: Self.root.appendingPathComponent(".dockerignore"), encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
        #expect(lines == ["*", "!Package.swift", "!Package.resolved", "!Sources", "!scripts/build-release.sh"])
    }
}
