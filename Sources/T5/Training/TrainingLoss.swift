// What one training forward/backward of T5 returns: the loss, the number of target tokens it averaged over, and the
// gradient of each example's soft-prompt rows (the prompt-tuning and SPE case). Gradients of trainable model
// weights are accumulated in the model (`T5Model.parameters`), not returned.
import Kernels

public struct TrainingLoss: @unchecked Sendable {
    /// Mean token cross-entropy (with label smoothing when asked), as transformers computes it.
    public let loss: Double
    /// Target tokens that took part in the loss (labels ≠ -100).
    public let targetTokens: Int
    /// Per example, ∂loss/∂P (l, dModel) of its prompt rows, or nil for an example without a prompt.
    public let promptGradients: [Tensor?]
}
