// One named tensor of the T5 model for training: its value and, when trainable, its gradient. Named as in the HF
// checkpoint (`T5Model.parameters`) or, for the storage view the optimizers update (`T5Model.trainableTensors`),
// after the HF tensors a fused storage tensor holds.
import Kernels

public struct T5Parameter: @unchecked Sendable {
    /// HF name ("encoder.block.0.layer.0.SelfAttention.q.weight"), or for a fused storage tensor its HF names
    /// joined by "+".
    public let name: String
    /// The values, in HF's layout ((out, in) for linear weights) or in Album's storage layout, as documented by the
    /// property that returned it.
    public let value: Tensor
    /// ∂loss/∂value in the same layout, or nil when the tensor is frozen.
    public let gradient: Tensor?

    public init(name: String, value: Tensor, gradient: Tensor?) {
        self.name = name
        self.value = value
        self.gradient = gradient
    }
}
