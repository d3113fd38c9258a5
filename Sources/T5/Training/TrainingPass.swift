// The state one recording (training) forward shares across its layers: whether dropout is on, and the numbering of
// dropout sites. HF modeling_t5 in train() mode applies nn.Dropout(dropout_rate) after the embedding, on attention
// probabilities, on each sub-layer output before the residual add, inside the FFN after the activation, and after
// each stack's final norm; every such site draws its own counter-based mask (Kernels/Dropout.swift), so the backward
// regenerates masks from their keys instead of storing them. A shard of a batch (T5Model+Shards.swift) starts each
// site's stream where its first example starts in the whole batch, so it draws the whole batch's masks.
import Kernels

/// One training forward pass: the layers record what their backward needs into tapes created with it.
final class TrainingPass {
    /// Dropout probability of every site (0 = dropout off).
    let dropout: Double
    let seed: UInt64
    let step: UInt32
    /// Where this pass's examples start in the whole batch (zero unless the pass runs one shard of it).
    let placement: Placement
    /// Site number of the next dropout application, in forward order.
    private var nextSite: UInt32 = 0

    /// Where a shard's first example starts in each kind of dropout stream of the whole batch: the packed rows and
    /// the attention probabilities (per head, Σ Lq·Lk) of the examples before it.
    struct Placement {
        var encoderRows = 0
        var decoderRows = 0
        var encoderSelfProbabilities = 0
        var decoderSelfProbabilities = 0
        var crossProbabilities = 0

        /// The placement after `examples` (input length, target length) of the batch.
        init(after examples: some Sequence<(input: Int, target: Int)> = []) {
            for (input, target) in examples {
                encoderRows += input
                decoderRows += target
                encoderSelfProbabilities += input * input
                decoderSelfProbabilities += target * target
                crossProbabilities += target * input
            }
        }
    }

    init(dropout: Double, seed: UInt64, step: UInt32, placement: Placement = Placement()) {
        precondition(dropout >= 0 && dropout < 1, "dropout probability \(dropout) outside [0, 1)")
        self.dropout = dropout
        self.seed = seed
        self.step = step
        self.placement = placement
    }

    /// The key of a new dropout site whose stream starts at `firstElement` for this pass, or nil when dropout is off
    /// (then the site is the identity).
    func dropoutSite(firstElement: Int = 0) -> DropoutKey? {
        guard dropout > 0 else { return nil }
        defer { nextSite += 1 }
        return DropoutKey(seed: seed, step: step, layer: nextSite, firstElement: firstElement)
    }

    /// First stream element of a row-wise site of `width` columns over the encoder's or the decoder's rows.
    func firstElement(width: Int, decoder: Bool) -> Int {
        (decoder ? placement.decoderRows : placement.encoderRows) * width
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
        dropoutAdd(into: x, scratch, count: count, probability: dropout, key: site)  // x + (kept ? s / (1 − p) : 0)
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
