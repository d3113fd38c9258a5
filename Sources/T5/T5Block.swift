// Weights of one HF modeling_t5.T5Block. Encoder: layer.0 = T5LayerSelfAttention, layer.1 = T5LayerFF.
// Decoder: layer.0 = self-attention, layer.1 = T5LayerCrossAttention (EncDecAttention), layer.2 = T5LayerFF.
// The checkpoint key strings of a block appear only here and in T5Weights.swift.

struct T5EncoderBlock {
    let selfAttentionNorm: T5LayerNorm
    let selfAttention: T5Attention
    let feedForwardNorm: T5LayerNorm
    let feedForward: T5FeedForward

    /// `scope` = "encoder.block.i".
    init(from scope: WeightStore.Scope, config: T5Config) throws(T5Error) {
        let eps = config.layerNormEpsilon, d = config.dModel
        selfAttentionNorm = try T5LayerNorm(from: scope.scoped("layer.0.layer_norm"), dModel: d, eps: eps)
        selfAttention = try .selfAttention(scope.scoped("layer.0.SelfAttention"), config: config)
        feedForwardNorm = try T5LayerNorm(from: scope.scoped("layer.1.layer_norm"), dModel: d, eps: eps)
        feedForward = try T5FeedForward(from: scope.scoped("layer.1.DenseReluDense"), config: config)
    }
}

struct T5DecoderBlock {
    let selfAttentionNorm: T5LayerNorm
    let selfAttention: T5Attention
    let crossAttentionNorm: T5LayerNorm
    let crossAttention: T5Attention
    let feedForwardNorm: T5LayerNorm
    let feedForward: T5FeedForward

    /// `scope` = "decoder.block.i".
    init(from scope: WeightStore.Scope, config: T5Config) throws(T5Error) {
        let eps = config.layerNormEpsilon, d = config.dModel
        selfAttentionNorm = try T5LayerNorm(from: scope.scoped("layer.0.layer_norm"), dModel: d, eps: eps)
        selfAttention = try .selfAttention(scope.scoped("layer.0.SelfAttention"), config: config)
        crossAttentionNorm = try T5LayerNorm(from: scope.scoped("layer.1.layer_norm"), dModel: d, eps: eps)
        crossAttention = try .crossAttention(scope.scoped("layer.1.EncDecAttention"), config: config)
        feedForwardNorm = try T5LayerNorm(from: scope.scoped("layer.2.layer_norm"), dModel: d, eps: eps)
        feedForward = try T5FeedForward(from: scope.scoped("layer.2.DenseReluDense"), config: config)
    }
}
