// Backward of the feed-forward activations (HF ACT2FN: relu, gelu_new, exact gelu, silu) and of the gated product
// act(x·wi_0) * (x·wi_1) of T5 v1.1, matching torch autograd of the same formulas (ReLU gradient 0 at 0, as
// threshold_backward). Loops in C (training.c), naive twins in Reference/NaiveBackward.swift.
import CKernels

extension Activation {
    /// dInp (count) += dOut (count) · act′(inp (count)), inp being the forward input (pre-activation).
    public func backward(dInp: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                         count: Int) {
        precondition(count >= 0, "Activation.backward: negative count")
        album_activation_backward(dInp, dOut, inp, count, cValue)
    }

    /// Backward of `applyGated`: inp and dInp are (rows, 2·width) = [gate | linear], dOut is (rows, width).
    /// dGate += dOut · linear · act′(gate), dLinear += dOut · act(gate).
    public func gatedBackward(dInp: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                              inp: UnsafePointer<Float>, rows: Int, width: Int) {
        precondition(rows >= 0 && width >= 0, "Activation.gatedBackward: bad shape (\(rows), \(width))")
        album_gated_backward(dInp, dOut, inp, rows, width, cValue)
    }
}
