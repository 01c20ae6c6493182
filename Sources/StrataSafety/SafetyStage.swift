/// The stages a safe `strata up` goes through, in order.
///
/// ```swift
/// for stage in SafetyStage.allCases { print(stage.title) }
/// ```
public enum SafetyStage: String, Sendable, Codable, CaseIterable {
    case backup, rehearsal, apply, validation, rollback, report

    /// The stage's name as printed in progress lines and reports.
    public var title: String {
        switch self {
        case .backup: "backup"
        case .rehearsal: "rehearsal on a copy"
        case .apply: "apply"
        case .validation: "validation"
        case .rollback: "rollback"
        case .report: "report"
        }
    }
}
