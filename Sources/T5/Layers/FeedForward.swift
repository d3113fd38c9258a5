// Port of HF modeling_t5.T5DenseActDense (wi, wo) and T5DenseGatedActDense (wi_0, wi_1, wo), with T5LayerFF's
// residual add. The gated variant fuses wi_0|wi_1 into one (dModel, 2·dFF) projection and applies act(gate)·linear
// in one C kernel. Legend: R = rows, D = dModel, F = dFF.
import Kernels

/// One T5 feed-forward module (`….DenseReluDense`).
public final class FeedForward: @unchecked Sendable {
    let wi: Linear  // (D, F) or, gated, (D, 2F) = [wi_0 | wi_1]
    let wo: Linear  // (F, D)
    let activation: Activation
    let gated: Bool

    var dFF: Int { wo.inFeatures }

    /// `scope` = "….layer.N.DenseReluDense".
    init(from scope: WeightStore.Scope, config: T5Config) throws(T5Error) {
        let (activation, gated) = try config.feedForward()
        self.activation = activation
        self.gated = gated
        let d = config.dModel, f = config.dFF
        if gated {
            wi = try scope.fusedLinearLayer(["wi_0.weight", "wi_1.weight"], outFeatures: f, inFeatures: d)
        } else {
            wi = try scope.linearLayer("wi.weight", outFeatures: f, inFeatures: d)
        }
        wo = try scope.linearLayer("wo.weight", outFeatures: d, inFeatures: f)
    }

    /// x (R, D) += FFN(h (R, D)).
    /// - Parameters:
    ///   - pass: a training forward: record what `backward` needs (and apply dropout) into the returned tape.
    ///   - decoder: the rows are the decoder's (which dropout streams the recording draws from).
    @discardableResult
    func callAsFunction(_ h: UnsafePointer<Float>, residual x: UnsafeMutablePointer<Float>, rows: Int,
                        workspace ws: Workspace, recording pass: TrainingPass? = nil, decoder: Bool = false) -> Tape? {
        let tape = pass.map { Tape(self, pass: $0, rows: rows, decoder: decoder, input: h) }
        let hidden = tape?.preActivation.data ?? ws.buffer(.hidden, count: rows * (gated ? 2 : 1) * dFF)  // (R, F|2F)
        wi(h, rows: rows, into: hidden)
        let product: UnsafeMutablePointer<Float>
        if gated {
            let act = tape?.product?.data ?? ws.buffer(.act, count: rows * dFF)  // (R, F)
            activation.applyGated(out: act, inp: hidden, rows: rows, width: dFF)
            product = act
        } else if tape != nil {
            // Recording keeps the pre-activation for the backward: the activation runs on a copy.
            let act = tape?.product?.data ?? ws.buffer(.act, count: rows * dFF)  // (R, F)
            act.update(from: hidden, count: rows * dFF)
            activation.apply(act, count: rows * dFF)
            product = act
        } else {
            activation.apply(hidden, count: rows * dFF)
            product = hidden
        }
        if let tape {
            tape.pass.drop(product, count: rows * dFF, site: tape.activationSite)
            tape.pass.residualAdd(wo, product, rows: rows, into: x, site: tape.outputSite, workspace: ws)
        } else {
            wo(product, rows: rows, into: x, beta: 1)  // residual add fused into the GEMM
        }
        return tape
    }

    var parameterCount: Int { wi.parameterCount + wo.parameterCount }
}
