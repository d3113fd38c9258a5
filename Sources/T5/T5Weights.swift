// All weights of T5ForConditionalGeneration, read strictly from a checkpoint. This file and T5Block.swift are the
// only places that spell checkpoint keys. Aliases of the shared embedding and the optional LM head are resolved
// here, once; HF's own load-time ignore list (a stray cross-attention relative bias) is honoured.
import Foundation
import Kernels

struct T5Weights {
    let embedding: Tensor  // (vocab, dModel), the shared input embedding
    /// (dModel, vocab) = (K, N), transposed at load, when the checkpoint has its own `lm_head.weight`; nil = tied.
    let lmHead: Tensor?
    /// The LM head as (dModel, vocab) = (K, N) for `Matmul.linear`: `lmHead`, or for tied checkpoints a transposed
    /// copy of `embedding` (vocab · dModel · 4 extra bytes: 65.8 MB for t5-small, 98.7 MB for t5-base). The small-M
    /// kernel streams it 1.5-3x faster than sgemm/sgemv over the (vocab, dModel) table at decode batch sizes.
    let headWeight: Tensor
    let encoderBias: RelativePositionBias
    let decoderBias: RelativePositionBias
    let encoderBlocks: [T5EncoderBlock]
    let encoderFinalNorm: T5LayerNorm
    let decoderBlocks: [T5DecoderBlock]
    let decoderFinalNorm: T5LayerNorm
    /// (dModel, numDecoderLayers · 2 · inner): [k_0 | v_0 | k_1 | v_1 | …] of every EncDecAttention, so one GEMM
    /// per request computes all cross-attention keys and values.
    let crossKV: Tensor

    /// Names under which HF checkpoints store the shared embedding (all tied to `shared.weight` in HF).
    static let embeddingAliases = ["shared.weight", "encoder.embed_tokens.weight", "decoder.embed_tokens.weight"]
    /// Tensors HF drops on load (`_keys_to_ignore_on_load_unexpected`); original t5-small ships one.
    static let ignoredTensors = ["decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight"]

    init(store: WeightStore, config: T5Config) throws(T5Error) {
        let v = config.vocabSize, d = config.dModel, inner = config.innerDim
        embedding = try Self.sharedEmbedding(store, shape: [v, d])
        if store.contains("lm_head.weight", expected: [v, d]) {
            lmHead = try store.linear("lm_head.weight", outFeatures: v, inFeatures: d)
        } else if config.scaleDecoderOutputs == nil && !config.tieWordEmbeddings {
            // A pre-transformers-5 config that says "untied" must come with its own head.
            throw .missingTensor(name: "lm_head.weight")
        } else {
            lmHead = nil
        }
        headWeight = lmHead ?? embedding.transposed()
        func bias(_ stack: String, bidirectional: Bool) throws(T5Error) -> RelativePositionBias {
            let name = "\(stack).block.0.layer.0.SelfAttention.relative_attention_bias.weight"
            return RelativePositionBias(
                table: try store.tensor(name, shape: [config.relativeAttentionNumBuckets, config.numHeads]),
                bidirectional: bidirectional, numBuckets: config.relativeAttentionNumBuckets,
                maxDistance: config.relativeAttentionMaxDistance)
        }
        encoderBias = try bias("encoder", bidirectional: true)
        decoderBias = try bias("decoder", bidirectional: false)
        var encoderBlocks: [T5EncoderBlock] = []
        for i in 0..<config.numLayers {
            encoderBlocks.append(try T5EncoderBlock(from: store.scoped("encoder.block.\(i)"), config: config))
        }
        var decoderBlocks: [T5DecoderBlock] = []
        let crossKV = Tensor(uninitialized: [d, config.numDecoderLayers * 2 * inner])
        for i in 0..<config.numDecoderLayers {
            let scope = store.scoped("decoder.block.\(i)")
            decoderBlocks.append(try T5DecoderBlock(from: scope, config: config))
            let cross = scope.scoped("layer.1.EncDecAttention")
            try store.linearTransposed(cross.name("k.weight"), outFeatures: inner, inFeatures: d, into: crossKV,
                                       column: i * 2 * inner)
            try store.linearTransposed(cross.name("v.weight"), outFeatures: inner, inFeatures: d, into: crossKV,
                                       column: i * 2 * inner + inner)
        }
        self.encoderBlocks = encoderBlocks
        self.decoderBlocks = decoderBlocks
        self.crossKV = crossKV
        encoderFinalNorm = try T5LayerNorm(from: store.scoped("encoder.final_layer_norm"), dModel: d, eps: config.layerNormEpsilon)
        decoderFinalNorm = try T5LayerNorm(from: store.scoped("decoder.final_layer_norm"), dModel: d, eps: config.layerNormEpsilon)
        for name in Self.ignoredTensors { store.ignore(name) }
        try store.assertAllConsumed()
    }

    /// The shared embedding under whichever alias the checkpoint uses; extra aliases must hold the same values.
    private static func sharedEmbedding(_ store: WeightStore, shape: [Int]) throws(T5Error) -> Tensor {
        let present = embeddingAliases.filter { store.contains($0, expected: shape) }
        guard let first = present.first else {
            throw .missingTensor(name: embeddingAliases.joined(separator: " (or) "))
        }
        let embedding = try store.tensor(first, shape: shape)
        for alias in present.dropFirst() {
            let other = try store.tensor(alias, shape: shape)
            guard memcmp(other.data, embedding.data, embedding.count * MemoryLayout<Float>.stride) == 0 else {
                throw .conflictingTensors(names: [first, alias], reason: "both hold the shared embedding but differ")
            }
        }
        return embedding
    }

    /// Number of parameters of the HF model (tied tensors counted once).
    var parameterCount: Int {
        var total = embedding.count + (lmHead?.count ?? 0) + encoderBias.table.count + decoderBias.table.count
        total += encoderFinalNorm.weight.count + decoderFinalNorm.weight.count + crossKV.count
        for block in encoderBlocks {
            total += block.selfAttentionNorm.weight.count + block.selfAttention.projection.count + block.selfAttention.o.count
            total += block.feedForwardNorm.weight.count + block.feedForward.wi.count + block.feedForward.wo.count
        }
        for block in decoderBlocks {
            total += block.selfAttentionNorm.weight.count + block.selfAttention.projection.count + block.selfAttention.o.count
            total += block.crossAttentionNorm.weight.count + block.crossAttention.projection.count + block.crossAttention.o.count
            total += block.feedForwardNorm.weight.count + block.feedForward.wi.count + block.feedForward.wo.count
        }
        return total
    }
}
