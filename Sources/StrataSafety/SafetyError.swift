/// A safety stage could not do its work; the message says what and what to do.
public struct SafetyError: Error, Sendable, CustomStringConvertible {
    public var stage: SafetyStage
    public var message: String
    public init(stage: SafetyStage, message: String) {
        self.stage = stage
        self.message = message
    }
    public var description: String { "\(stage.title): \(message)" }
}
