import Foundation
import Mustache

/// The e-mail bodies, rendered with swift-mustache from `Templates/email.txt.mustache` and `email.html.mustache`
/// (the module's resources), or from a directory holding files of the same names.
public struct EmailTemplates: Sendable {
    let text: MustacheTemplate
    let html: MustacheTemplate

    public init(text: String, html: String) throws {
        self.text = try MustacheTemplate(string: text)
        self.html = try MustacheTemplate(string: html)
    }

    /// The templates in `directory`, or the built-in ones.
    public static func load(directory: String? = nil) throws -> EmailTemplates {
        guard let dir = directory ?? builtInDirectory() else {
            throw DeliveryError("the e-mail templates were not found: keep strata_StrataNotify.resources next to the strata binary, or set templates_dir in [notify.email]", permanent: true)
        }
        func read(_ name: String) throws -> String {
            let path = URL(fileURLWithPath: dir).appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path), let s = String(data: data, encoding: .utf8) else {
                throw DeliveryError("cannot read the e-mail template \(path)", permanent: true)
            }
            return s
        }
        do {
            return try EmailTemplates(text: try read("email.txt.mustache"), html: try read("email.html.mustache"))
        } catch let e as DeliveryError {
            throw e
        } catch {
            throw DeliveryError("invalid e-mail template in \(dir): \(error)", permanent: true)
        }
    }

    /// The `Templates` folder of the module's resource bundle, found without `Bundle.module`'s fatal error when the
    /// bundle is missing (a binary copied without its resources).
    static func builtInDirectory() -> String? {
        let fm = FileManager.default
        let name = "strata_StrataNotify.resources"
        var candidates = [Bundle.main.bundleURL.appendingPathComponent(name)]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent(name))
        }
        for c in candidates where fm.fileExists(atPath: c.path) {
            if c.path == candidates[0].path, let url = Bundle.module.url(forResource: "Templates", withExtension: nil) { return url.path }
            let dir = c.appendingPathComponent("Templates")
            if fm.fileExists(atPath: dir.path) { return dir.path }
        }
        return nil
    }

    /// The plain-text and HTML bodies for `facts`.
    public func render(_ facts: RunFacts) -> (text: String, html: String) {
        let context = MessageText.templateContext(facts)
        return (text.render(context), html.render(context))
    }
}
