// Training side of T5's RMS `LayerNorm`: what its forward records and its backward (autograd of HF
// modeling_t5.T5LayerNorm.forward; kernel Kernels/Backward/RMSNormBackward.swift).
// Legend: R = rows, D = dModel.
import Kernels

extension LayerNorm {
    /// What the backward of one norm application needs.
    final class Tape {
        let input: Tensor  // (R, D) the forward input (the residual stream before the sub-layer changed it)
        let rstd: Tensor   // (R) 1/sqrt(mean(x²) + eps) per row

        init(rows: Int, dim: Int) {
            input = Tensor(uninitialized: [rows, dim])
            rstd = Tensor(uninitialized: [rows])
        }

        var rows: Int { rstd.count }
    }

    public var isTrainable: Bool { gradient != nil }

    /// Allocates a zero gradient (dModel) unless there is one already.
    public func makeTrainable() {
        if gradient == nil { gradient = Tensor(zeros: weight.shape) }
    }

    public func freeze() { gradient = nil }

    /// dInp (R, D) += ∂/∂x of the norm given dOut (R, D); the weight gradient accumulates only when trainable.
    func backward(dInp: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, tape: Tape) {
        rmsNormBackward(dInp: dInp, dWeight: ShardGradients.accumulating(self, own: gradient)?.data, dOut: dOut, inp: tape.input.data, weight: weight.data,
                        rstd: tape.rstd.data, rows: tape.rows, dim: weight.count)
    }
}
