// Training side of `Linear`: trainability and the backward of y = x·W (torch.nn.Linear without bias; the kernel is
// Kernels/Backward/LinearBackward.swift). A frozen weight has no gradient buffer and its backward runs only the
// dX product. Fused weights (q|k|v, wi_0|wi_1, the cross-attention K/V) are trainable as one unit.
// Legend: M = rows, K = inFeatures, N = outFeatures.
import Kernels

extension Linear {
    /// Whether the weight receives a gradient.
    public var isTrainable: Bool { gradient != nil }

    /// Allocates a zero gradient (K, N) unless there is one already.
    public func makeTrainable() {
        if gradient == nil { gradient = Tensor(zeros: [inFeatures, outFeatures]) }
    }

    /// Drops the gradient: the weight is frozen again.
    public func freeze() { gradient = nil }

    /// Backward of `out (M, N) = x (M, K) · W`: dInp (M, K) += dOut · Wᵀ when given, and, only when trainable,
    /// gradient (K, N) += xᵀ · dOut (then `inp` must be the forward input).
    func backward(dInp: UnsafeMutablePointer<Float>?, dOut: UnsafePointer<Float>, inp: UnsafePointer<Float>?,
                  rows: Int) {
        precondition(gradient == nil || inp != nil, "a trainable Linear needs its forward input for the backward")
        let dWeight = ShardGradients.accumulating(self, own: gradient)?.data
        guard dInp != nil || dWeight != nil else { return }
        // inp is read only when dWeight is given; weight only when dInp is given.
        linearBackward(dInp: dInp, dWeight: dWeight, dOut: dOut, inp: inp ?? dOut, weight: weight.data,
                       rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// The HF tensors (out, in) this layer holds, in `names` order: each column block of `tensor` (K, N), transposed.
    /// `tensor` is the weight or its gradient.
    func hfTensors(of tensor: Tensor) -> [(name: String, tensor: Tensor)] {
        let width = outFeatures / names.count
        return names.enumerated().map { block, name in
            let out = Tensor(uninitialized: [width, inFeatures])  // (out, in) as PyTorch stores it
            for n in 0..<width {
                for k in 0..<inFeatures { out.data[n * inFeatures + k] = tensor.data[k * outFeatures + block * width + n] }
            }
            return (name, out)
        }
    }
}
