import Foundation
import Logging
import StrataKit

/// swift-log handler for `--verbose`: writes to stderr, every message redacted.
struct RedactingLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let label: String
    let redactor: Redactor

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { _, b in b } }
        let meta = all.isEmpty ? "" : " " + all.map { "\($0)=\($1)" }.sorted().joined(separator: " ")
        let text = "\(Timestamps.format(Date())) \(event.level) \(label): \(event.message)\(meta)\n"
        try? FileHandle.standardError.write(contentsOf: Data(redactor.redact(text).utf8))
    }
}
