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
    /// - Parameter bias: relative-position bias rows per segment length (from block 0's table).
    func forward(_ x: UnsafeMutablePointer<Float>, rows: PackedRows, bias: [Int: Tensor], workspace ws: Workspace) {
        let h = ws.buffer(.h, count: rows.total * selfAttentionNorm.weight.count)  // (R, D) normed
        selfAttentionNorm(x, into: h, rows: rows.total)
        selfAttention.selfAttend(h, residual: x, rows: rows, bias: bias, causal: false, workspace: ws)
        feedForwardNorm(x, into: h, rows: rows.total)
        feedForward(h, residual: x, rows: rows.total, workspace: ws)
    }

    var parameterCount: Int {
        selfAttentionNorm.parameterCount + selfAttention.parameterCount + feedForwardNorm.parameterCount
            + feedForward.parameterCount
    }
}
