// A trainable tensor: its value, its gradient (same shape, accumulated by the backward kernels) and a name, the
// unit the optimizers update (torch.nn.Parameter with its .grad). Frozen tensors are simply not Parameters.
import Kernels

public struct Parameter: Sendable {
    /// Stable name (checkpoint key, logs), e.g. "prompt" or "spe.w_down".
    public let name: String
    /// The parameter, any shape; optimizers update it in place (Tensor storage is shared).
    public let value: Tensor
    /// ∂loss/∂value, same shape as `value`; the backward pass adds into it, `zeroGrad` clears it.
    public let grad: Tensor

    /// A parameter over `value` with a zero gradient of the same shape.
    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        grad = Tensor(zeros: value.shape)
    }

    /// A parameter over `value` whose gradient buffer already exists (a layer's own gradient, filled by its
    /// backward); `grad` must have `value`'s shape.
    public init(name: String, value: Tensor, grad: Tensor) {
        precondition(grad.shape == value.shape, "gradient \(grad.shape) of \(name) does not match \(value.shape)")
        self.name = name
        self.value = value
        self.grad = grad
    }

    public var shape: [Int] { value.shape }
    public var count: Int { value.count }

    /// grad = 0 (torch's zero_grad(set_to_none=False)).
    public func zeroGrad() {
        grad.data.update(repeating: 0, count: grad.count)
    }
}
