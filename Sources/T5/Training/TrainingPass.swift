// The state one recording (training) forward shares across its layers: whether dropout is on, and the numbering of
// dropout sites. HF modeling_t5 in train() mode applies nn.Dropout(dropout_rate) after the embedding, on attention
// probabilities, on each sub-layer output before the residual add, inside the FFN after the activation, and after
// each stack's final norm; every such site draws its own counter-based mask (Kernels/Dropout.swift), so the backward
// regenerates masks from their keys instead of storing them.
import Kernels

/// One training forward pass: the layers record what their backward needs into tapes created with it.
final class TrainingPass {
    /// Dropout probability of every site (0 = dropout off).
    let dropout: Double
    let seed: UInt64
    let step: UInt32
    /// Site number of the next dropout application, in forward order.
    private var nextSite: UInt32 = 0

    init(dropout: Double, seed: UInt64, step: UInt32) {
        precondition(dropout >= 0 && dropout < 1, "dropout probability \(dropout) outside [0, 1)")
        self.dropout = dropout
        self.seed = seed
        self.step = step
    }

    /// The key of a new dropout site, or nil when dropout is off (then the site is the identity).
    func dropoutSite() -> DropoutKey? {
        guard dropout > 0 else { return nil }
        defer { nextSite += 1 }
        return DropoutKey(seed: seed, step: step, layer: nextSite)
    }

    /// In place: values (count) = dropout(values) at `site` (identity when nil).
    func drop(_ values: UnsafeMutablePointer<Float>, count: Int, site: DropoutKey?, offset: Int = 0) {
        guard let site else { return }
        dropoutForward(out: values, inp: values, count: count, probability: dropout, key: site, offset: offset)
    }

    /// x (rows, N) += dropout(linear(inp (rows, K))) at `site`. Without dropout the residual add stays fused into the
    /// GEMM (beta = 1), exactly as the serving forward does it.
    func residualAdd(_ linear: Linear, _ inp: UnsafePointer<Float>, rows: Int, into x: UnsafeMutablePointer<Float>,
                     site: DropoutKey?, workspace ws: Workspace) {
        guard let site else {
            linear(inp, rows: rows, into: x, beta: 1)
            return
        }
        let count = rows * linear.outFeatures
        let scratch = ws.buffer(.sublayer, count: count)  // (rows, N) sub-layer output before its dropout
        linear(inp, rows: rows, into: scratch)
        dropoutForward(out: scratch, inp: scratch, count: count, probability: dropout, key: site)
        addInPlace(x, scratch, count: count)
    }
}

/// Backward of a dropout site: the gradient (count) is multiplied by the site's mask · 1/(1−p) (the same product as the
/// forward, regenerated from the key), written to `out`; a nil site copies.
func dropoutGradient(_ gradient: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
                     probability: Double, site: DropoutKey?, offset: Int = 0) {
    guard let site else {
        if UnsafePointer(out) != gradient { out.update(from: gradient, count: count) }
        return
    }
    dropoutForward(out: out, inp: gradient, count: count, probability: probability, key: site, offset: offset)
}
