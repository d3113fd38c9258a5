// T5ForConditionalGeneration for CPU inference: one frozen checkpoint, soft prompts plug in as encoder input
// embeddings. Port of HF modeling_t5 (fp32). The forward passes live in T5Model+Encoder.swift and
// T5Model+Decoder.swift, decoding strategies in T5Model+Generation.swift and T5Model+BeamSearch.swift.
import Foundation
import Kernels
import SafeTensors

public final class T5Model: @unchecked Sendable {
    public let config: T5Config
    /// Element types stored in the checkpoint (e.g. ["BF16"]); everything is computed in Float32.
    public let storedDTypes: [String]
    let weights: T5Weights
    let activation: Activation
    let gated: Bool
    let workspaces = WorkspacePool()
    /// Unidirectional decoder bias rows for positions < `decoderBiasCapacity`, shared by all sequences.
    let decoderBiasVectors: Tensor
    let decoderBiasCapacity = 512

    init(config: T5Config, weights: T5Weights, storedDTypes: [String]) throws(T5Error) {
        self.config = config
        self.weights = weights
        self.storedDTypes = storedDTypes
        (activation, gated) = try config.feedForward()
        decoderBiasVectors = weights.decoderBias.vectors(length: decoderBiasCapacity)
    }

    /// Loads `config.json` and the safetensors weights (single file or sharded) of an HF T5 checkpoint.
    /// - Throws: `T5Error` for an unsupported or malformed config, unreadable weights, or any missing, misshapen
    ///   or unused tensor (named in the error).
    public static func load(directory: URL) throws(T5Error) -> T5Model {
        try load(directory: directory, projectionPrecision: .fp32)
    }

    /// `load(directory:)` with each projection stored in `projectionPrecision` as soon as it is read.
    static func load(directory: URL, projectionPrecision: Precision) throws(T5Error) -> T5Model {
        let config = try T5Config.load(directory: directory)
        let checkpoint: SafeTensorsCheckpoint
        do { checkpoint = try SafeTensorsCheckpoint(directory: directory) } catch { throw .checkpoint(error) }
        let store = WeightStore(source: checkpoint, projectionPrecision: projectionPrecision)
        let weights = try T5Weights(store: store, config: config)
        return try T5Model(config: config, weights: weights, storedDTypes: checkpoint.storedDTypes)
    }

    /// A model with deterministic random weights of `config`'s shapes (benchmarks; no checkpoint needed).
    public static func random(config: T5Config, seed: UInt64 = 0) throws(T5Error) -> T5Model {
        try config.validate()
        let weights = try T5Weights(store: WeightStore(source: RandomTensorSource(config: config, seed: seed)), config: config)
        return try T5Model(config: config, weights: weights, storedDTypes: ["F32 (random)"])
    }

    /// A freshly initialised model of `config`, drawn as transformers' `T5PreTrainedModel._init_weights` draws
    /// (InitializerTensorSource.swift), reproducible from `seed`: the starting point of training from scratch.
    /// - Throws: `T5Error` for an unsupported or invalid config.
    public static func initialized(config: T5Config, seed: UInt64) throws(T5Error) -> T5Model {
        try config.validate()
        let source = InitializerTensorSource(config: config, seed: seed)
        let weights = try T5Weights(store: WeightStore(source: source), config: config)
        return try T5Model(config: config, weights: weights, storedDTypes: ["F32 (initialized)"])
    }

    /// Parameters of the HF model (tied tensors counted once).
    public var parameterCount: Int { weights.parameterCount }

    /// Whether the checkpoint has its own LM head (T5 v1.1 / flan) rather than reusing the shared embedding.
    public var hasSeparateLMHead: Bool { !weights.lmHead.isTied }

    /// Raw embedding rows of `ids`, (n, dModel), without any scaling (T5 scales nothing at the input).
    /// - Throws: `T5Error.invalidTokenID` for an id outside the vocabulary.
    public func embed(_ ids: [Int32]) throws(T5Error) -> Tensor {
        try weights.embedding.validate(ids)
        let out = Tensor(uninitialized: [ids.count, config.dModel])
        weights.embedding.gather(ids, into: out.data)
        return out
    }

    /// Convenience: embeds and encodes token rows.
    /// - Throws: `T5Error.invalidTokenID` for an id outside the vocabulary.
    public func encode(ids: [[Int32]]) throws(T5Error) -> [EncoderOutput] {
        try encode(rows: ids.map { EncoderRow(prompt: nil, tokens: $0) })
    }

    /// Throws a readable error when `ids` holds a token outside the vocabulary (for callers taking outside input).
    public func validate(ids: [Int32]) throws(T5Error) {
        try weights.embedding.validate(ids)
    }
}
