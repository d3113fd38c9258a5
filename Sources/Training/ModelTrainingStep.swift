// What one optimizer step of full-parameter training reports (one line of the training log).

public struct ModelTrainingStep: Sendable, Equatable, Codable {
    /// 1-based optimizer step.
    public let step: Int
    public let epoch: Int
    /// Mean token cross-entropy of the step's batch (with dropout, before the update).
    public let loss: Double
    /// The learning rate the update used.
    public let learningRate: Double
    /// Global gradient norm before clipping.
    public let gradientNorm: Double
    /// Target tokens in the batch.
    public let targetTokens: Int

    enum CodingKeys: String, CodingKey {
        case step, epoch, loss
        case learningRate = "lr", gradientNorm = "grad_norm", targetTokens = "target_tokens"
    }
}
