import ArgumentParser
import StrataKit

/// The safety flags of `strata up` (backup, rehearsal, rollback; on by default for `production`).
struct SafetyOptions: ParsableArguments {
    @Flag(help: "Run the safety stages (backup, rehearsal on a copy, validation, automatic rollback) in any environment.")
    var safe = false

    @Flag(name: .customLong("skip-backup"), help: "Safety stages without the backup (then a failure that down sections cannot undo is not restored).")
    var skipBackup = false

    @Flag(name: .customLong("skip-test"), help: "Safety stages without the rehearsal on a copy.")
    var skipTest = false

    @Flag(help: "Apply even when the rehearsal on a copy failed.")
    var force = false

    @Option(name: .customLong("keep-days"), help: ArgumentHelp("After a successful safe run, delete backups older than this many days (default 30).", valueName: "days"))
    var keepDays: Int?

    @Option(help: ArgumentHelp("After a successful safe run, keep at most this many backups.", valueName: "count"))
    var keep: Int?

    var flags: SafetyFlags {
        var f = SafetyFlags()
        f.safe = safe
        f.skipBackup = skipBackup
        f.skipTest = skipTest
        f.force = force
        f.keepDays = keepDays
        f.keep = keep
        return f
    }
}
