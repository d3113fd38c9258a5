// The config.json Album writes next to a saved checkpoint: every field transformers' T5Config reads
// (configuration_t5.py, transformers 4 and 5), with dense_act_fn / is_gated_act derived as its __post_init__ does.
// tie_word_embeddings says whether the checkpoint has its own lm_head.weight (transformers 4 reads it so);
// scale_decoder_outputs records the d_model^-0.5 rescale explicitly (transformers 5 and Album read it first).
import Foundation
import SafeTensors

extension T5Config {
    /// The HF config.json of a checkpoint of this config, as pretty-printed JSON with sorted keys.
    /// - Parameters:
    ///   - separateLMHead: whether the checkpoint stores `lm_head.weight` (else the head is the shared embedding).
    ///   - dtype: the element type of the saved weights (recorded as transformers' `dtype`).
    public func checkpointJSON(separateLMHead: Bool, dtype: DType = .f32) throws(T5Error) -> Data {
        let parts = feedForwardProj.split(separator: "-").map(String.init)
        let denseActivation = feedForwardProj == "gated-gelu" ? "gelu_new" : (parts.last ?? feedForwardProj)
        let torchDType = switch dtype {
        case .f32: "float32"
        case .f16: "float16"
        case .bf16: "bfloat16"
        }
        // Written by hand: JSONSerialization prints 1.0 as 1, and transformers 5's strict config wants floats.
        let fields: [(String, String)] = [
            ("architectures", "[\"T5ForConditionalGeneration\"]"),
            ("classifier_dropout", Self.float(0)),
            ("d_ff", "\(dFF)"),
            ("d_kv", "\(dKV)"),
            ("d_model", "\(dModel)"),
            ("decoder_start_token_id", "\(decoderStartTokenID)"),
            ("dense_act_fn", try Self.string(denseActivation)),
            ("dropout_rate", Self.float(0.1)),
            ("dtype", try Self.string(torchDType)),
            ("eos_token_id", "\(eosTokenID)"),
            ("feed_forward_proj", try Self.string(feedForwardProj)),
            ("initializer_factor", Self.float(1)),
            ("is_encoder_decoder", "true"),
            ("is_gated_act", "\(parts.count == 2 && parts[0] == "gated")"),
            ("layer_norm_epsilon", Self.float(layerNormEpsilon)),
            ("model_type", try Self.string(modelType)),
            ("num_decoder_layers", "\(numDecoderLayers)"),
            ("num_heads", "\(numHeads)"),
            ("num_layers", "\(numLayers)"),
            ("pad_token_id", "\(padTokenID)"),
            ("relative_attention_max_distance", "\(relativeAttentionMaxDistance)"),
            ("relative_attention_num_buckets", "\(relativeAttentionNumBuckets)"),
            ("scale_decoder_outputs", "\(scalesDecoderOutput)"),
            ("tie_word_embeddings", "\(!separateLMHead)"),
            ("use_cache", "true"),
            ("vocab_size", "\(vocabSize)"),
        ]
        let body = fields.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n")
        return Data("{\n\(body)\n}\n".utf8)
    }

    /// A JSON float that stays a float when read back (1.0, 0.1, 1e-06), as Python's json writes them.
    static func float(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }

    /// A JSON string literal.
    static func string(_ value: String) throws(T5Error) -> String {
        do {
            let data = try JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        } catch {
            throw .invalidConfig(key: "config.json", reason: "cannot encode '\(value)' (\(error.localizedDescription))")
        }
    }
}
