// The optional `training` section of `task.json`: how an artifact was trained by `album train` (settings, a hash of
// the training data, step counts, final and best validation metrics, the base-model fingerprint at training time).
// Informational: the loader checks its keys (strictly, like the rest of the manifest) but nothing depends on it.

/// Provenance of a trained artifact.
public struct TrainingMetadata: Codable, Sendable, Equatable {
    /// The trainer that produced it: "prompt", "source", "spe".
    public var trainer: String
    /// The run's settings as text (optimizer, lr, schedule, batch size, seed, …).
    public var settings: [String: String]
    /// "sha256:<hex>" of the training data file's bytes.
    public var dataHash: String?
    /// Optimizer steps taken and training examples.
    public var steps: Int
    public var examples: Int?
    /// Validation metrics at the end of training, and the best ones with their step.
    public var finalValidation: [String: Double]?
    public var bestValidation: [String: Double]?
    public var bestStep: Int?
    /// Fingerprint of the base model the run trained against (`BaseModelInfo.fingerprint`).
    public var baseModelFingerprint: String?

    public init(trainer: String, settings: [String: String], dataHash: String? = nil, steps: Int, examples: Int? = nil,
                finalValidation: [String: Double]? = nil, bestValidation: [String: Double]? = nil, bestStep: Int? = nil,
                baseModelFingerprint: String? = nil) {
        self.trainer = trainer
        self.settings = settings
        self.dataHash = dataHash
        self.steps = steps
        self.examples = examples
        self.finalValidation = finalValidation
        self.bestValidation = bestValidation
        self.bestStep = bestStep
        self.baseModelFingerprint = baseModelFingerprint
    }

    /// Keys the loader accepts in the section.
    static let keys: Set<String> = ["trainer", "settings", "dataHash", "steps", "examples", "finalValidation",
                                    "bestValidation", "bestStep", "baseModelFingerprint"]
}
