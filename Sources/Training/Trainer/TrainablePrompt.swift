// What the trainer trains: something that turns a batch of token inputs into one prompt (l, d) per example and takes
// the prompts' gradients back into its parameters. `StaticPromptModel` (plain prompt tuning, one shared prompt) and
// `SPEPromptModel` (SPE: P_task + attention over an album, spec §7.2), `IPTPromptModel` (z in a frozen subspace)
// and `IPTSubspaceModel` (the IPT auto-encoder over frozen source prompts) implement it.
import Kernels

public protocol TrainablePrompt: AnyObject {
    /// Trainable tensors with their gradient buffers (the optimizer's parameters).
    var parameters: [Parameter] { get }
    /// Prompt rows l.
    var promptLength: Int { get }
    /// One prompt (l, d) per example (its input ids and target task), recording what `backward` needs when
    /// `training`.
    func prompts(for examples: [EncodedExample], training: Bool) throws -> [Tensor]
    /// Adds the gradients of the last training `prompts` call's prompts into the parameters' gradients.
    func backward(_ promptGradients: [Tensor?])
    /// A loss term of the prompt model itself for the last training `prompts` call, added to the step's loss
    /// (IPT's reconstruction loss; its gradient is part of `backward`). 0 for most models.
    var auxiliaryLoss: Double { get }
}

extension TrainablePrompt {
    public var auxiliaryLoss: Double { 0 }
}
