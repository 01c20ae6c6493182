import Foundation
import StrataKit

/// The migrations folder's layout (Strata's own or another tool's) as commands show it.
extension CommandContext {
    /// The layout the source reads, when it is a ``LayoutSource`` (always, unless an app passed its own source).
    var layout: FormatDetection? { (strata.source as? LayoutSource)?.detection() }

    /// Every migration; the reader's warnings (files the old tool would skip…) go to stderr.
    func readMigrations() async throws -> [Migration] {
        guard let source = strata.source as? LayoutSource else { return try await strata.source.migrations() }
        let reading = try await source.read()
        for w in reading.warnings { output.note(output.paint("warning: ", .yellow) + w) }
        if reading.format != .strata { output.debug("migrations layout: \(source.detection())") }
        return reading.migrations
    }
}

extension FormatDetection {
    /// `goose, detected from …`, or `strata` for Strata's own layout found by default.
    var summary: String {
        if explicit { return "\(format.displayName), chosen with --format / STRATA_FORMAT / strata.toml" }
        if format == .strata && reason == "Strata's own layout" { return "strata" }
        return "\(format.displayName), detected from \(reason)"
    }
}
