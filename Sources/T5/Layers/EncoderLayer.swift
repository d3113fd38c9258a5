// Port of HF modeling_t5.T5Block with is_decoder = False: layer.0 = T5LayerSelfAttention (pre-norm, residual),
// layer.1 = T5LayerFF. One forward over packed rows; the block's checkpoint keys appear only here, in
// DecoderLayer.swift and in T5Weights.swift. Legend: R = packed rows, D = dModel.
import Kernels

/// One encoder block (`encoder.block.i`).
public final class EncoderLayer: @unchecked Sendable {
    let selfAttentionNorm: LayerNorm
    let selfAttention: Attention
    let feedForwardNorm: LayerNorm
    let feedForward: FeedForward

    /// `scope` = "encoder.block.i".
    init(from scope: WeightStore.Scope, config: T5Config) throws(T5Error) {
        let eps = config.layerNormEpsilon, d = config.dModel
        selfAttentionNorm = try LayerNorm(from: scope.scoped("layer.0.layer_norm"), dModel: d, eps: eps)
        selfAttention = try .selfAttention(scope.scoped("layer.0.SelfAttention"), config: config)
        feedForwardNorm = try LayerNorm(from: scope.scoped("layer.1.layer_norm"), dModel: d, eps: eps)
        feedForward = try FeedForward(from: scope.scoped("layer.1.DenseReluDense"), config: config)
    }

    /// x (R, D) ← block(x): bidirectional self-attention per segment, then the feed-forward.
    /// - Parameters:
    ///   - bias: relative-position bias rows per segment length (from block 0's table).
    ///   - pass: a training forward: every sub-layer records into the returned tape (EncoderLayer+Backward.swift).
    @discardableResult
    func forward(_ x: UnsafeMutablePointer<Float>, rows: PackedRows, bias: [Int: Tensor], workspace ws: Workspace,
                 recording pass: TrainingPass? = nil) -> Tape? {
        let record = pass != nil
        let h = ws.buffer(.h, count: rows.total * selfAttentionNorm.weight.count)  // (R, D) normed
        let attentionNorm = selfAttentionNorm(x, into: h, rows: rows.total, record: record)
        let attention = selfAttention.selfAttend(h, residual: x, rows: rows, bias: bias, causal: false, workspace: ws,
                                                 recording: pass)
        let ffnNorm = feedForwardNorm(x, into: h, rows: rows.total, record: record)
        let ffn = feedForward(h, residual: x, rows: rows.total, workspace: ws, recording: pass)
        guard let attentionNorm, let attention, let ffnNorm, let ffn else { return nil }
        return Tape(selfAttentionNorm: attentionNorm, selfAttention: attention, feedForwardNorm: ffnNorm,
                    feedForward: ffn)
    }

    var parameterCount: Int {
        selfAttentionNorm.parameterCount + selfAttention.parameterCount + feedForwardNorm.parameterCount
            + feedForward.parameterCount
    }
}
