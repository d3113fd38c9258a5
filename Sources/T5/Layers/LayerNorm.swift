// Port of HF modeling_t5.T5LayerNorm: RMS normalisation, no mean subtraction, no bias, variance in fp32.
// The layer owns its weight; the loop is the C kernel `rmsNorm` (naive twin in Kernels/Reference).
import Kernels

/// T5's RMS layer norm (`….layer_norm`, `….final_layer_norm`).
public final class LayerNorm: @unchecked Sendable {
    /// HF name of the weight.
    public let name: String
    let weight: Tensor  // (dModel)
    let eps: Float

    init(name: String, weight: Tensor, eps: Double) {
        self.name = name
        self.weight = weight
        self.eps = Float(eps)
    }

    /// Reads `scope.weight` (dModel).
    convenience init(from scope: WeightStore.Scope, dModel: Int, eps: Double) throws(T5Error) {
        self.init(name: scope.name("weight"), weight: try scope.tensor("weight", shape: [dModel]), eps: eps)
    }

    /// out (rows, dModel) = norm(inp (rows, dModel)); out may alias inp.
    func callAsFunction(_ inp: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int) {
        rmsNorm(out: out, inp: inp, weight: weight.data, rows: rows, dim: weight.count, eps: eps)
    }

    var parameterCount: Int { weight.count }
}
