// Fresh weights drawn as transformers initialises a T5 (T5PreTrainedModel._init_weights, initializer_factor 1):
// shared and an own lm_head N(0, 1); attention q N(0, (d_model·d_kv)^-0.5), k and v N(0, d_model^-0.5),
// o N(0, (heads·d_kv)^-0.5); relative-attention bias N(0, d_model^-0.5); wi / wi_0 / wi_1 N(0, d_model^-0.5),
// wo N(0, d_ff^-0.5); layer norms 1. Seeded per tensor name (SplitMix64 + Box-Muller), so values are reproducible
// but not torch's: the distributions match, not the draws.
import Foundation

struct InitializerTensorSource: TensorSource {
    let config: T5Config
    let seed: UInt64

    /// An own LM head exactly when the config says the embeddings are untied (HF inits it only then).
    func shape(of name: String, expected: [Int]?) -> [Int]? {
        if name == "lm_head.weight" { return config.tieWordEmbeddings ? nil : expected }
        if name.hasSuffix("embed_tokens.weight") || name.hasSuffix("EncDecAttention.relative_attention_bias.weight") {
            return nil
        }
        return expected
    }

    /// The standard deviation HF draws `name` with; nil for a norm (constant 1) or a name T5 does not have.
    static func standardDeviation(of name: String, config: T5Config) -> Double? {
        let d = Double(config.dModel)
        if name == "shared.weight" || name == "lm_head.weight" { return 1 }
        if name.hasSuffix("relative_attention_bias.weight") { return pow(d, -0.5) }
        if name.hasSuffix(".q.weight") { return pow(d * Double(config.dKV), -0.5) }
        if name.hasSuffix(".k.weight") || name.hasSuffix(".v.weight") { return pow(d, -0.5) }
        if name.hasSuffix(".o.weight") { return pow(Double(config.innerDim), -0.5) }
        if name.hasSuffix(".wi.weight") || name.hasSuffix(".wi_0.weight") || name.hasSuffix(".wi_1.weight") {
            return pow(d, -0.5)
        }
        if name.hasSuffix(".wo.weight") { return pow(Double(config.dFF), -0.5) }
        return nil
    }

    func read(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws(T5Error) {
        if name.hasSuffix("layer_norm.weight") {
            destination.initialize(repeating: 1, count: count)
            return
        }
        guard let std = Self.standardDeviation(of: name, config: config) else { throw .missingTensor(name: name) }
        var state = seed ^ name.hashValueStable
        func uniform() -> Double {  // SplitMix64 → [0, 1) with 53 bits
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) * 0x1p-53
        }
        var i = 0
        while i < count {  // Box-Muller: two standard normals per pair of uniforms
            let radius = (-2 * log(1 - uniform())).squareRoot(), angle = 2 * Double.pi * uniform()
            destination[i] = Float(std * radius * cos(angle))
            if i + 1 < count { destination[i + 1] = Float(std * radius * sin(angle)) }
            i += 2
        }
    }

    var names: [String] { [] }
}
