// Port of HF modeling_t5.T5LayerNorm: RMS normalisation, no mean subtraction, no bias, variance in fp32.
// The layer owns its weight; the loop is the C kernel `rmsNorm` (naive twin in Kernels/Reference).
import Kernels

/// T5's RMS layer norm (`….layer_norm`, `….final_layer_norm`).
public final class LayerNorm: @unchecked Sendable {
    /// HF name of the weight.
    public let name: String
    let weight: Tensor  // (dModel)
    let eps: Float
    /// ∂loss/∂weight (dModel) when trainable, else nil (LayerNorm+Backward.swift).
    public internal(set) var gradient: Tensor?

    init(name: String, weight: Tensor, eps: Double) {
        self.name = name
        self.weight = weight
        self.eps = Float(eps)
    }

    /// Reads `scope.weight` (dModel).
    convenience init(from scope: WeightStore.Scope, dModel: Int, eps: Double) throws(T5Error) {
        self.init(name: scope.name("weight"), weight: try scope.tensor("weight", shape: [dModel]), eps: eps)
    }

    /// out (rows, dModel) = norm(inp (rows, dModel)); out may alias inp unless recording.
    /// - Parameter record: a training forward: keeps a copy of `inp` and the per-row rstd for `backward` (the
    ///   recording kernel is bit-identical to the serving one).
    @discardableResult
    func callAsFunction(_ inp: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int,
                        record: Bool = false) -> Tape? {
        guard record else {
            rmsNorm(out: out, inp: inp, weight: weight.data, rows: rows, dim: weight.count, eps: eps)
            return nil
        }
        let tape = Tape(rows: rows, dim: weight.count)
        tape.input.data.update(from: inp, count: rows * weight.count)
        rmsNormForward(out: out, rstd: tape.rstd.data, inp: inp, weight: weight.data, rows: rows, dim: weight.count,
                       eps: eps)
        return tape
    }

    var parameterCount: Int { weight.count }
}
