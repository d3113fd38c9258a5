// Port of HF modeling_t5.T5LayerNorm: RMS normalisation, no mean subtraction, no bias, variance in fp32.
import Kernels

struct T5LayerNorm {
    let weight: Tensor  // (dModel)
    let eps: Float

    init(weight: Tensor, eps: Double) {
        self.weight = weight
        self.eps = Float(eps)
    }

    init(from scope: WeightStore.Scope, dModel: Int, eps: Double) throws(T5Error) {
        self.init(weight: try scope.tensor("weight", shape: [dModel]), eps: eps)
    }

    /// out (rows, dModel) = norm(inp (rows, dModel)); out may alias inp.
    func callAsFunction(_ inp: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int) {
        rmsNorm(out: out, inp: inp, weight: weight.data, rows: rows, dim: weight.count, eps: eps)
    }
}
