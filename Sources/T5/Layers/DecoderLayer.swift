// Port of HF modeling_t5.T5Block with is_decoder = True: layer.0 = causal self-attention, layer.1 =
// T5LayerCrossAttention (EncDecAttention), layer.2 = T5LayerFF. One forward serves teacher-forced scoring (packed
// target rows, causal) and incremental decoding (one row per sequence, KV cache), so greedy, beam search and
// scoring all run the same block. Legend: R = packed rows (ΣT_j, or batch B when stepping), D = dModel.
import Kernels

/// Where a decoder block's self-attention finds its keys and values.
enum DecoderSelfAttention {
    /// Teacher forcing: each packed segment is a whole target prefix; bias rows per segment length.
    case causal(bias: [Int: Tensor])
    /// One step per sequence: row b is `sequences[b]`'s next position; keys and values live in its cache.
    case cached([DecoderSequence])
}

/// One decoder block (`decoder.block.i`).
public final class DecoderLayer: @unchecked Sendable {
    let selfAttentionNorm: LayerNorm
    let selfAttention: Attention
    let crossAttentionNorm: LayerNorm
    let crossAttention: Attention
    let feedForwardNorm: LayerNorm
    let feedForward: FeedForward
    /// Position of this block in the decoder stack (its slot in caches and in the fused cross K/V).
    let index: Int

    /// `scope` = "decoder.block.i".
    init(from scope: WeightStore.Scope, index: Int, config: T5Config) throws(T5Error) {
        let eps = config.layerNormEpsilon, d = config.dModel
        self.index = index
        selfAttentionNorm = try LayerNorm(from: scope.scoped("layer.0.layer_norm"), dModel: d, eps: eps)
        selfAttention = try .selfAttention(scope.scoped("layer.0.SelfAttention"), config: config)
        crossAttentionNorm = try LayerNorm(from: scope.scoped("layer.1.layer_norm"), dModel: d, eps: eps)
        crossAttention = try .crossAttention(scope.scoped("layer.1.EncDecAttention"), config: config)
        feedForwardNorm = try LayerNorm(from: scope.scoped("layer.2.layer_norm"), dModel: d, eps: eps)
        feedForward = try FeedForward(from: scope.scoped("layer.2.DenseReluDense"), config: config)
    }

    /// x (R, D) ← block(x): self-attention, cross-attention of segment j to `encoded[j]`, then the feed-forward.
    /// - Parameter pass: a training forward (teacher forcing, `.causal` only): every sub-layer records into the
    ///   returned tape (DecoderLayer+Backward.swift).
    @discardableResult
    func forward(_ x: UnsafeMutablePointer<Float>, rows: PackedRows, selfAttention mode: DecoderSelfAttention,
                 encoded: [EncoderOutput], workspace ws: Workspace, recording pass: TrainingPass? = nil) -> Tape? {
        let record = pass != nil
        let h = ws.buffer(.h, count: rows.total * selfAttentionNorm.weight.count)  // (R, D) normed
        let attentionNorm = selfAttentionNorm(x, into: h, rows: rows.total, record: record)
        let attention: Attention.Tape?
        switch mode {
        case .causal(let bias):
            attention = selfAttention.selfAttend(h, residual: x, rows: rows, bias: bias, causal: true, workspace: ws,
                                                 recording: pass)
        case .cached(let sequences):
            precondition(!record, "a training forward runs teacher-forced, not from a KV cache")
            selfAttention.selfAttendStep(h, residual: x, sequences: sequences, layer: index, workspace: ws)
            attention = nil
        }
        let crossNorm = crossAttentionNorm(x, into: h, rows: rows.total, record: record)
        let cross = crossAttention.crossAttend(h, residual: x, rows: rows, encoded: encoded, layer: index,
                                               workspace: ws, recording: pass)
        let ffnNorm = feedForwardNorm(x, into: h, rows: rows.total, record: record)
        let ffn = feedForward(h, residual: x, rows: rows.total, workspace: ws, recording: pass, decoder: true)
        guard let attentionNorm, let attention, let crossNorm, let cross, let ffnNorm, let ffn else { return nil }
        return Tape(selfAttentionNorm: attentionNorm, selfAttention: attention, crossAttentionNorm: crossNorm,
                    crossAttention: cross, feedForwardNorm: ffnNorm, feedForward: ffn)
    }

    var parameterCount: Int {
        selfAttentionNorm.parameterCount + selfAttention.parameterCount + crossAttentionNorm.parameterCount
            + crossAttention.parameterCount + feedForwardNorm.parameterCount + feedForward.parameterCount
    }
}
