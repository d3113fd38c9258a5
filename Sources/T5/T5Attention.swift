// Weights of HF modeling_t5.T5Attention, fused for fewer GEMMs: self-attention keeps q|k|v side by side as one
// (dModel, 3·inner) matrix; cross-attention keeps q here and its k|v in the model's all-layer cross-KV matrix,
// applied once per request in `encode`. No 1/sqrt(d_kv) scaling anywhere (T5 folds it into the init).
import Kernels

struct T5Attention {
    /// Self: (dModel, 3·inner) = [q | k | v]; cross: (dModel, inner) = q only.
    let projection: Tensor
    let o: Tensor  // (inner, dModel)

    /// Self-attention of a block (`prefix` = "….layer.0.SelfAttention").
    static func selfAttention(_ scope: WeightStore.Scope, config: T5Config) throws(T5Error) -> T5Attention {
        let d = config.dModel, inner = config.innerDim
        return T5Attention(
            projection: try scope.fusedLinear(["q.weight", "k.weight", "v.weight"], outFeatures: inner, inFeatures: d),
            o: try scope.linear("o.weight", outFeatures: d, inFeatures: inner))
    }

    /// Cross-attention q and o (`prefix` = "decoder.block.i.layer.1.EncDecAttention"); k and v are read by the
    /// model into its fused cross-KV matrix.
    static func crossAttention(_ scope: WeightStore.Scope, config: T5Config) throws(T5Error) -> T5Attention {
        let d = config.dModel, inner = config.innerDim
        return T5Attention(projection: try scope.linear("q.weight", outFeatures: inner, inFeatures: d),
                           o: try scope.linear("o.weight", outFeatures: d, inFeatures: inner))
    }
}
