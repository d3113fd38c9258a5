// Where weights come from: a safetensors checkpoint, or deterministic random values with T5's shapes (for
// `album bench` and tests that need a t5-small-sized model without downloading one).
import Kernels
import SafeTensors

protocol TensorSource {
    /// Stored shape of `name`, or nil when absent. `expected` lets a synthetic source answer with it.
    func shape(of name: String, expected: [Int]?) -> [Int]?
    /// Widens `name` to Float32 into `destination` (row-major, `count` floats).
    func read(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws(T5Error)
    /// Every tensor name the source holds (for the unused-tensor check).
    var names: [String] { get }
}

extension SafeTensorsCheckpoint: TensorSource {
    func shape(of name: String, expected: [Int]?) -> [Int]? { tensors[name]?.shape }

    func read(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws(T5Error) {
        do { try read(name, into: destination) } catch { throw .checkpoint(error) }
    }

    var names: [String] { Array(tensors.keys) }
}

/// Uniform random weights scaled like a trained T5's (norm weights 1, linears ±1/sqrt(fan-in)), keyed by name so
/// they are reproducible. It holds exactly the tensors the model asks for, with the shapes it expects.
struct RandomTensorSource: TensorSource {
    let config: T5Config
    let seed: UInt64

    func shape(of name: String, expected: [Int]?) -> [Int]? {
        if name == "lm_head.weight" { return config.scalesDecoderOutput ? nil : expected }
        if name.hasSuffix("embed_tokens.weight") || name.hasSuffix("EncDecAttention.relative_attention_bias.weight") {
            return nil
        }
        return expected
    }

    func read(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws(T5Error) {
        var state = seed ^ UInt64(truncatingIfNeeded: name.hashValueStable)
        func next() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Float(z >> 40) / Float(1 << 24) * 2 - 1  // uniform in [-1, 1)
        }
        let scale: Float
        if name.hasSuffix("layer_norm.weight") {
            destination.initialize(repeating: 1, count: count)
            return
        } else if name.hasSuffix("relative_attention_bias.weight") {
            scale = 0.5
        } else if name == "shared.weight" || name == "lm_head.weight" {
            scale = 1
        } else {
            let fanIn = name.hasSuffix("wo.weight") ? config.dFF : (name.hasSuffix("o.weight") ? config.innerDim : config.dModel)
            scale = 1 / Float(fanIn).squareRoot()
        }
        for i in 0..<count { destination[i] = next() * scale }
    }

    var names: [String] { [] }
}

extension String {
    /// FNV-1a: a hash that is stable across runs (Swift's hashValue is randomly seeded per process).
    var hashValueStable: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}
