// The layers of T5ForConditionalGeneration, read strictly from a checkpoint. This file, EncoderLayer.swift and
// DecoderLayer.swift are the only places that spell checkpoint keys. Aliases of the shared embedding and the
// optional LM head are resolved here, once; HF's own load-time ignore list (a stray cross-attention relative bias)
// is honoured.
import Foundation
import Kernels

struct T5Weights {
    let embedding: Embedding
    let lmHead: LMHead
    let encoderBias: RelativePositionBias
    let decoderBias: RelativePositionBias
    let encoderLayers: [EncoderLayer]
    let encoderFinalNorm: LayerNorm
    let decoderLayers: [DecoderLayer]
    let decoderFinalNorm: LayerNorm
    /// (D, numDecoderLayers · 2 · inner): [k_0 | v_0 | k_1 | v_1 | …] of every EncDecAttention, so one GEMM
    /// per request computes all cross-attention keys and values.
    let crossKeyValues: Linear

    /// Names under which HF checkpoints store the shared embedding (all tied to `shared.weight` in HF).
    static let embeddingAliases = ["shared.weight", "encoder.embed_tokens.weight", "decoder.embed_tokens.weight"]
    /// Tensors HF drops on load (`_keys_to_ignore_on_load_unexpected`); original t5-small ships one.
    static let ignoredTensors = ["decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight"]

    init(store: WeightStore, config: T5Config) throws(T5Error) {
        let v = config.vocabSize, d = config.dModel, inner = config.innerDim
        embedding = try Self.sharedEmbedding(store, shape: [v, d])
        let ownHead: Tensor?
        if store.contains("lm_head.weight", expected: [v, d]) {
            ownHead = try store.linear("lm_head.weight", outFeatures: v, inFeatures: d)
        } else if config.scaleDecoderOutputs == nil && !config.tieWordEmbeddings {
            // A pre-transformers-5 config that says "untied" must come with its own head.
            throw .missingTensor(name: "lm_head.weight")
        } else {
            ownHead = nil
        }
        lmHead = LMHead(own: ownHead, embedding: embedding, config: config)
        func bias(_ stack: String, bidirectional: Bool) throws(T5Error) -> RelativePositionBias {
            let name = "\(stack).block.0.layer.0.SelfAttention.relative_attention_bias.weight"
            return RelativePositionBias(
                name: name, table: try store.tensor(name, shape: [config.relativeAttentionNumBuckets, config.numHeads]),
                bidirectional: bidirectional, numBuckets: config.relativeAttentionNumBuckets,
                maxDistance: config.relativeAttentionMaxDistance)
        }
        encoderBias = try bias("encoder", bidirectional: true)
        decoderBias = try bias("decoder", bidirectional: false)
        var encoderLayers: [EncoderLayer] = []
        for i in 0..<config.numLayers {
            encoderLayers.append(try EncoderLayer(from: store.scoped("encoder.block.\(i)"), config: config))
        }
        var decoderLayers: [DecoderLayer] = []
        var crossNames: [String] = []
        let crossKV = Tensor(uninitialized: [d, config.numDecoderLayers * 2 * inner])
        for i in 0..<config.numDecoderLayers {
            let scope = store.scoped("decoder.block.\(i)")
            decoderLayers.append(try DecoderLayer(from: scope, index: i, config: config))
            let cross = scope.scoped("layer.1.EncDecAttention")
            for (part, name) in ["k.weight", "v.weight"].enumerated() {
                try store.linearTransposed(cross.name(name), outFeatures: inner, inFeatures: d, into: crossKV,
                                           column: (i * 2 + part) * inner)
                crossNames.append(cross.name(name))
            }
        }
        self.encoderLayers = encoderLayers
        self.decoderLayers = decoderLayers
        crossKeyValues = Linear(names: crossNames, weight: crossKV)
        crossKeyValues.convert(to: store.projectionPrecision)
        encoderFinalNorm = try LayerNorm(from: store.scoped("encoder.final_layer_norm"), dModel: d, eps: config.layerNormEpsilon)
        decoderFinalNorm = try LayerNorm(from: store.scoped("decoder.final_layer_norm"), dModel: d, eps: config.layerNormEpsilon)
        for name in Self.ignoredTensors { store.ignore(name) }
        try store.assertAllConsumed()
    }

    /// The shared embedding under whichever alias the checkpoint uses; extra aliases must hold the same values.
    private static func sharedEmbedding(_ store: WeightStore, shape: [Int]) throws(T5Error) -> Embedding {
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
        return Embedding(name: first, table: embedding)
    }

    /// Number of parameters of the HF model (tied tensors counted once).
    var parameterCount: Int {
        var total = embedding.parameterCount + lmHead.parameterCount + encoderBias.table.count + decoderBias.table.count
        total += encoderFinalNorm.parameterCount + decoderFinalNorm.parameterCount + crossKeyValues.parameterCount
        total += encoderLayers.reduce(0) { $0 + $1.parameterCount }
        total += decoderLayers.reduce(0) { $0 + $1.parameterCount }
        return total
    }
}
