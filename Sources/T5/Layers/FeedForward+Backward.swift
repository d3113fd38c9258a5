// Training side of `FeedForward` (autograd of HF modeling_t5.T5DenseActDense / T5DenseGatedActDense with
// T5LayerFF's dropout and residual add): what a recording forward keeps, and the backward to the normed input.
// Legend: R = rows, D = dModel, F = dFF.
import Kernels

extension FeedForward {
    /// What the backward of one feed-forward application needs.
    final class Tape {
        let pass: TrainingPass
        let rows: Int
        /// (R, D) the normed input h, kept only when `wi` is trainable.
        let input: Tensor?
        /// (R, F), or gated (R, 2F) = [gate | linear]: `wi`'s output before the activation.
        let preActivation: Tensor
        /// (R, F) act(·) (gated: act(gate)·linear) after its dropout, the input of `wo`; kept only when `wo` is
        /// trainable.
        let product: Tensor?
        let activationSite: DropoutKey?
        let outputSite: DropoutKey?

        init(_ layer: FeedForward, pass: TrainingPass, rows: Int, decoder: Bool, input h: UnsafePointer<Float>) {
            self.pass = pass
            self.rows = rows
            if layer.wi.isTrainable {
                let input = Tensor(uninitialized: [rows, layer.wi.inFeatures])  // (R, D)
                input.data.update(from: h, count: input.count)
                self.input = input
            } else {
                input = nil
            }
            preActivation = Tensor(uninitialized: [rows, layer.wi.outFeatures])
            product = layer.wo.isTrainable ? Tensor(uninitialized: [rows, layer.dFF]) : nil
            activationSite = pass.dropoutSite(firstElement: pass.firstElement(width: layer.dFF, decoder: decoder))
            outputSite = pass.dropoutSite(firstElement: pass.firstElement(width: layer.wo.outFeatures, decoder: decoder))
        }
    }

    /// dInp (R, D) += ∂/∂h given dResidual (R, D), the gradient of the residual stream after the add; `wi` and `wo`
    /// accumulate weight gradients when trainable.
    func backward(dResidual: UnsafePointer<Float>, dInp: UnsafeMutablePointer<Float>, tape: Tape,
                  workspace ws: Workspace) {
        let rows = tape.rows, f = dFF, d = wo.outFeatures
        var dOut = dResidual  // (R, D) gradient of wo's output
        if tape.outputSite != nil {
            let dropped = ws.buffer(.dOut, count: rows * d)
            dropoutGradient(dResidual, into: dropped, count: rows * d, probability: tape.pass.dropout,
                            site: tape.outputSite)
            dOut = UnsafePointer(dropped)
        }
        let dProduct = ws.zeroed(.dAct, count: rows * f)  // (R, F)
        wo.backward(dInp: dProduct, dOut: dOut, inp: tape.product?.data, rows: rows)
        dropoutGradient(dProduct, into: dProduct, count: rows * f, probability: tape.pass.dropout,
                        site: tape.activationSite)
        let dHidden = ws.zeroed(.dHidden, count: rows * wi.outFeatures)  // (R, F or 2F)
        if gated {
            activation.gatedBackward(dInp: dHidden, dOut: dProduct, inp: tape.preActivation.data, rows: rows, width: f)
        } else {
            activation.backward(dInp: dHidden, dOut: dProduct, inp: tape.preActivation.data, count: rows * f)
        }
        wi.backward(dInp: dInp, dOut: dHidden, inp: tape.input?.data, rows: rows)
    }
}
