// T5 hyper-parameters read from a Hugging Face config.json (T5Config / MT5Config), with HF's defaults.
// Mirrors transformers' configuration_t5.T5Config, including its __post_init__ rules (num_decoder_layers defaults
// to num_layers; feed_forward_proj "gated-gelu" means gated gelu_new; scale_decoder_outputs, written by
// transformers 5, else tie_word_embeddings, decides the d_model^-0.5 rescale before the LM head).
import Foundation
import Kernels

public struct T5Config: Codable, Sendable, Equatable {
    public var modelType: String = "t5"
    public var vocabSize: Int = 32128
    public var dModel: Int = 512
    public var dKV: Int = 64
    public var dFF: Int = 2048
    public var numLayers: Int = 6
    /// Defaults to `numLayers` when absent or null.
    public var numDecoderLayers: Int = 6
    public var numHeads: Int = 8
    public var relativeAttentionNumBuckets: Int = 32
    public var relativeAttentionMaxDistance: Int = 128
    public var layerNormEpsilon: Double = 1e-6
    public var feedForwardProj: String = "relu"
    /// As stored. transformers 5 always writes true and records the v1.0 rescale in `scaleDecoderOutputs`.
    public var tieWordEmbeddings: Bool = true
    public var scaleDecoderOutputs: Bool?
    public var padTokenID: Int = 0
    public var eosTokenID: Int = 1
    /// Defaults to `padTokenID` (T5 starts decoding from pad).
    public var decoderStartTokenID: Int = 0

    enum CodingKeys: String, CodingKey, CaseIterable {
        case modelType = "model_type", vocabSize = "vocab_size", dModel = "d_model", dKV = "d_kv", dFF = "d_ff"
        case numLayers = "num_layers", numDecoderLayers = "num_decoder_layers", numHeads = "num_heads"
        case relativeAttentionNumBuckets = "relative_attention_num_buckets"
        case relativeAttentionMaxDistance = "relative_attention_max_distance"
        case layerNormEpsilon = "layer_norm_epsilon", feedForwardProj = "feed_forward_proj"
        case tieWordEmbeddings = "tie_word_embeddings", scaleDecoderOutputs = "scale_decoder_outputs"
        case padTokenID = "pad_token_id", eosTokenID = "eos_token_id", decoderStartTokenID = "decoder_start_token_id"

        /// The Swift property spelling, accepted as an alternative key (e.g. "dModel").
        var camelCase: String {
            switch self {
            case .modelType: "modelType"
            case .vocabSize: "vocabSize"
            case .dModel: "dModel"
            case .dKV: "dKV"
            case .dFF: "dFF"
            case .numLayers: "numLayers"
            case .numDecoderLayers: "numDecoderLayers"
            case .numHeads: "numHeads"
            case .relativeAttentionNumBuckets: "relativeAttentionNumBuckets"
            case .relativeAttentionMaxDistance: "relativeAttentionMaxDistance"
            case .layerNormEpsilon: "layerNormEpsilon"
            case .feedForwardProj: "feedForwardProj"
            case .tieWordEmbeddings: "tieWordEmbeddings"
            case .scaleDecoderOutputs: "scaleDecoderOutputs"
            case .padTokenID: "padTokenID"
            case .eosTokenID: "eosTokenID"
            case .decoderStartTokenID: "decoderStartTokenID"
            }
        }
    }

    public init() {}

    /// Reads snake_case (HF) or camelCase keys; unknown keys (architectures, dropout_rate, …) are ignored.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        func value<T: Decodable>(_ key: CodingKeys, _ type: T.Type) throws -> T? {
            for name in [key.rawValue, key.camelCase] {
                let k = AnyKey(name)
                if c.contains(k), try !c.decodeNil(forKey: k) { return try c.decode(T.self, forKey: k) }
            }
            return nil
        }
        modelType = try value(.modelType, String.self) ?? modelType
        vocabSize = try value(.vocabSize, Int.self) ?? vocabSize
        dModel = try value(.dModel, Int.self) ?? dModel
        dKV = try value(.dKV, Int.self) ?? dKV
        dFF = try value(.dFF, Int.self) ?? dFF
        numLayers = try value(.numLayers, Int.self) ?? numLayers
        numDecoderLayers = try value(.numDecoderLayers, Int.self) ?? numLayers
        numHeads = try value(.numHeads, Int.self) ?? numHeads
        relativeAttentionNumBuckets = try value(.relativeAttentionNumBuckets, Int.self) ?? relativeAttentionNumBuckets
        relativeAttentionMaxDistance = try value(.relativeAttentionMaxDistance, Int.self) ?? relativeAttentionMaxDistance
        layerNormEpsilon = try value(.layerNormEpsilon, Double.self) ?? layerNormEpsilon
        feedForwardProj = try value(.feedForwardProj, String.self) ?? feedForwardProj
        tieWordEmbeddings = try value(.tieWordEmbeddings, Bool.self) ?? tieWordEmbeddings
        scaleDecoderOutputs = try value(.scaleDecoderOutputs, Bool.self)
        padTokenID = try value(.padTokenID, Int.self) ?? padTokenID
        // eos_token_id may be an int or a list of ints (generation configs); T5 uses the first.
        if let eos = try? value(.eosTokenID, Int.self) {
            eosTokenID = eos
        } else if let list = try value(.eosTokenID, [Int].self), let first = list.first {
            eosTokenID = first
        }
        decoderStartTokenID = try value(.decoderStartTokenID, Int.self) ?? padTokenID
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(dModel, forKey: .dModel)
        try c.encode(dKV, forKey: .dKV)
        try c.encode(dFF, forKey: .dFF)
        try c.encode(numLayers, forKey: .numLayers)
        try c.encode(numDecoderLayers, forKey: .numDecoderLayers)
        try c.encode(numHeads, forKey: .numHeads)
        try c.encode(relativeAttentionNumBuckets, forKey: .relativeAttentionNumBuckets)
        try c.encode(relativeAttentionMaxDistance, forKey: .relativeAttentionMaxDistance)
        try c.encode(layerNormEpsilon, forKey: .layerNormEpsilon)
        try c.encode(feedForwardProj, forKey: .feedForwardProj)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encodeIfPresent(scaleDecoderOutputs, forKey: .scaleDecoderOutputs)
        try c.encode(padTokenID, forKey: .padTokenID)
        try c.encode(eosTokenID, forKey: .eosTokenID)
        try c.encode(decoderStartTokenID, forKey: .decoderStartTokenID)
    }

    /// Reads `config.json` from a checkpoint directory and validates it.
    /// - Throws: `T5Error.cannotReadConfig`, `.unsupportedModelType`, `.unsupportedActivation`, `.invalidConfig`.
    public static func load(directory: URL) throws(T5Error) -> T5Config {
        let url = directory.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .cannotReadConfig(path: url.path, reason: "no such file or not readable")
        }
        let config: T5Config
        do {
            config = try JSONDecoder().decode(T5Config.self, from: data)
        } catch let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .cannotReadConfig(path: url.path, reason: "'\(key)' is not a valid \(type)")
        } catch {
            throw .cannotReadConfig(path: url.path, reason: "not a valid JSON object (\(error.localizedDescription))")
        }
        try config.validate()
        return config
    }

    /// Checks that Album supports this architecture and that every dimension is usable.
    public func validate() throws(T5Error) {
        guard ["t5", "mt5"].contains(modelType) else { throw .unsupportedModelType(modelType) }
        _ = try feedForward()
        for (key, value) in [("vocab_size", vocabSize), ("d_model", dModel), ("d_kv", dKV), ("d_ff", dFF),
                             ("num_layers", numLayers), ("num_decoder_layers", numDecoderLayers),
                             ("num_heads", numHeads), ("relative_attention_num_buckets", relativeAttentionNumBuckets),
                             ("relative_attention_max_distance", relativeAttentionMaxDistance)]
        where value < 1 {
            throw .invalidConfig(key: key, reason: "must be ≥ 1, got \(value)")
        }
        guard layerNormEpsilon > 0 else { throw .invalidConfig(key: "layer_norm_epsilon", reason: "must be > 0") }
        for (key, id) in [("pad_token_id", padTokenID), ("eos_token_id", eosTokenID),
                          ("decoder_start_token_id", decoderStartTokenID)]
        where id < 0 || id >= vocabSize {
            throw .invalidConfig(key: key, reason: "\(id) is outside the vocabulary (0..<\(vocabSize))")
        }
    }

    /// (activation, gated) from `feed_forward_proj`, as HF's __post_init__ derives dense_act_fn / is_gated_act.
    public func feedForward() throws(T5Error) -> (activation: Activation, gated: Bool) {
        let parts = feedForwardProj.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 1 || (parts.count == 2 && parts[0] == "gated") else {
            throw .unsupportedActivation(feedForwardProj: feedForwardProj)
        }
        // "gated-gelu" is gelu_new for backwards compatibility (HF T5Config).
        let name = feedForwardProj == "gated-gelu" ? "gelu_new" : parts[parts.count - 1]
        let activation: Activation
        switch name {
        case "relu": activation = .relu
        case "gelu": activation = .gelu
        case "gelu_new", "gelu_pytorch_tanh": activation = .geluNew
        case "silu", "swish": activation = .silu
        default: throw .unsupportedActivation(feedForwardProj: feedForwardProj)
        }
        return (activation, parts.count == 2)
    }

    /// heads · d_kv (may differ from d_model, as in t5-v1.1-small).
    public var innerDim: Int { numHeads * dKV }
    /// Whether the decoder output is multiplied by d_model^-0.5 before the LM head (T5 v1.0).
    public var scalesDecoderOutput: Bool { scaleDecoderOutputs ?? tieWordEmbeddings }
}

/// A string coding key, for reading both key spellings.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
