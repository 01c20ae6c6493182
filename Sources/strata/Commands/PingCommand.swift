import ArgumentParser
import Foundation
import StrataKit

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "Check that the database is reachable and print its version.")

    @OptionGroup var global: GlobalOptions

    struct JSON: Encodable {
        var database: String
        var server: String
        var latencyMs: Double
    }

    func run() async throws {
        try await CommandContext.run(global) { ctx in
            let clock = ContinuousClock()
            let start = clock.now
            let driver = ctx.strata.driver
            let version = try await driver.withSession { try await driver.serverVersion(on: $0) }
            let ms = Double(DurationText.milliseconds(clock.now - start))
            if ctx.output.json {
                ctx.output.emitJSON(JSON(database: ctx.config.target.display, server: version, latencyMs: ms))
            } else {
                ctx.output.line("ok: \(ctx.config.target.display) — \(version) (\(Int(ms)) ms)")
            }
        }
    }
}
