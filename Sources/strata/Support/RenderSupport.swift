import ArgumentParser
import Foundation
import StrataKit

/// The shared part of `strata render k8s | compose | github-actions`: settings from strata.toml's `[render]`
/// table, then the files to stdout or into `--output DIR`.
enum RenderSupport {
    /// The `[render]` table of strata.toml (`[environments.NAME.render]` when `--env` is given).
    static func settings(_ global: GlobalOptions) throws -> RenderSettings {
        var overrides = ConfigOverrides()
        overrides.directory = global.dir
        overrides.environment = global.env
        overrides.envFiles = global.envFile
        overrides.configFile = global.config
        let config = try ConfigResolver.resolve(overrides, variables: ProcessInfo.processInfo.environment,
                                                workingDirectory: FileManager.default.currentDirectoryPath)
        let place = "\(config.configFile.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "strata.toml") "
            + (config.environment.map { "[environments.\($0).render]" } ?? "[render]")
        return try RenderSettings(config.setting("render"), place: place)
    }

    /// Builds the files (a bad setting exits 2), then prints them or writes them into `output` (a write failure exits 1).
    static func run(_ global: GlobalOptions, output: String?, force: Bool, next: String,
                    _ build: (RenderSettings) throws -> [RenderedFile]) throws {
        let out = Output(json: global.json, quiet: global.quiet, verbose: global.verbose, noColor: global.noColor, redactor: Redactor())
        let files: [RenderedFile]
        do {
            files = try build(try settings(global))
        } catch {
            out.error("\(error)", code: .usage)
            throw ExitCode(StrataExit.usage.rawValue)
        }
        guard let output else {
            if out.json {
                struct File: Encodable { var name: String; var contents: String }
                struct Body: Encodable { var files: [File] }
                out.emitJSON(Body(files: files.map { File(name: $0.name, contents: $0.contents) }))
            } else {
                for f in files { out.raw(f.contents) }
            }
            return
        }
        do {
            let paths = try RenderedFile.write(files, to: output, overwrite: force)
            if out.json {
                struct Body: Encodable { var files: [String] }
                out.emitJSON(Body(files: paths))
                return
            }
            out.line("Wrote:")
            for p in paths { out.line("  \(p)") }
            out.line(next)
        } catch {
            out.error("\(error)", code: .failure)
            throw ExitCode(StrataExit.failure.rawValue)
        }
    }

    /// The first value given: the flag, then strata.toml, then the default.
    static func pick<T>(_ flag: T?, _ setting: T?, _ fallback: T) -> T { flag ?? setting ?? fallback }
}
