// Weights of HF modeling_t5.T5DenseActDense (wi, wo) and T5DenseGatedActDense (wi_0, wi_1, wo); the gated
// variant fuses wi_0|wi_1 into one (dModel, 2·dFF) GEMM and applies act(gate)·linear in one C kernel.
import Kernels

struct T5FeedForward {
    let wi: Tensor  // (dModel, dFF) or, gated, (dModel, 2·dFF) = [wi_0 | wi_1]
    let wo: Tensor  // (dFF, dModel)
    let activation: Activation
    let gated: Bool

    var dFF: Int { wo.shape[0] }

    /// `scope` = "….layer.N.DenseReluDense".
    init(from scope: WeightStore.Scope, config: T5Config) throws(T5Error) {
        let (activation, gated) = try config.feedForward()
        self.activation = activation
        self.gated = gated
        let d = config.dModel, f = config.dFF
        if gated {
            wi = try scope.fusedLinear(["wi_0.weight", "wi_1.weight"], outFeatures: f, inFeatures: d)
        } else {
            wi = try scope.linear("wi.weight", outFeatures: f, inFeatures: d)
        }
        wo = try scope.linear("wo.weight", outFeatures: d, inFeatures: f)
    }

    /// x (rows, dModel) += FFN(h (rows, dModel)); `hidden` is scratch of ≥ rows·2·dFF floats and `act` of
    /// ≥ rows·dFF floats.
    func forward(_ h: UnsafePointer<Float>, residual x: UnsafeMutablePointer<Float>, rows: Int,
                 hidden: UnsafeMutablePointer<Float>, act: UnsafeMutablePointer<Float>) {
        Matmul.linear(h, rows: rows, weight: wi, into: hidden)  // (rows, dFF or 2·dFF)
        let product: UnsafeMutablePointer<Float>
        if gated {
            activation.applyGated(out: act, inp: hidden, rows: rows, width: dFF)  // (rows, dFF)
            product = act
        } else {
            activation.apply(hidden, count: rows * dFF)
            product = hidden
        }
        Matmul.linear(product, rows: rows, weight: wo, into: x, beta: 1)  // residual add fused into the GEMM
    }
}
