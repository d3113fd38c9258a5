// Helpers of the layer gradient tests: tiny random T5 models of each feed-forward kind, seeded random tensors, and
// the finite-difference check every layer test uses (central differences of the Double reference in DoubleT5.swift).
import Foundation
import Kernels
import Testing
import TestSupport
@testable import T5

enum TinyTraining {
    /// Finite-difference step and tolerance: the reference is Double, so h = 1e-4 leaves truncation and rounding
    /// error near 1e-9; the tolerance covers the Float arithmetic of the analytic side.
    static let step = 1e-4
    static let tolerance = (maxAbs: 1e-5, rel: 1e-4)

    /// A random T5 with d_model 8, 2 heads of 3, d_ff 10, 1 encoder and 2 decoder layers, 8 buckets up to distance 6
    /// (the log buckets are reached), norm weights drawn around 1.
    static func model(_ feedForwardProj: String, tied: Bool = true, seed: UInt64 = 1) throws -> T5Model {
        var config = T5Config()
        config.vocabSize = 24
        config.dModel = 8
        config.dKV = 3
        config.numHeads = 2
        config.dFF = 10
        config.numLayers = 1
        config.numDecoderLayers = 2
        config.relativeAttentionNumBuckets = 8
        config.relativeAttentionMaxDistance = 6
        config.feedForwardProj = feedForwardProj
        config.tieWordEmbeddings = tied
        let model = try T5Model.random(config: config, seed: seed)
        var rng = SeededRandom(seed: seed &+ 100)
        for parameter in model.parameters where parameter.name.contains("layer_norm") {
            for i in 0..<parameter.value.count { parameter.value.data[i] = 1 + 0.3 * rng.next() }
        }
        return model
    }

    /// A (shape) tensor of uniform values in [-scale, scale).
    static func random(_ shape: [Int], _ rng: inout SeededRandom, scale: Float = 1) -> Tensor {
        let tensor = Tensor(uninitialized: shape)
        for i in 0..<tensor.count { tensor.data[i] = rng.next() * scale }
        return tensor
    }

    static func doubles(_ tensor: Tensor) -> [Double] { tensor.array.map(Double.init) }

    /// Expects `analytic` to match central differences of `f` at `value`.
    static func check(_ label: String, analytic: Tensor, at value: Tensor, sourceLocation: SourceLocation = #_sourceLocation,
                      _ f: ([Double]) -> Double) {
        let report = GradCheck.check(label, analytic: analytic.array, at: value.array, step: step,
                                     maxAbs: tolerance.maxAbs, rel: tolerance.rel, f)
        #expect(report.passed, "\(report)", sourceLocation: sourceLocation)
    }

    /// Expects a forward output to match its Double reference.
    static func expectForward(_ label: String, _ got: Tensor, _ expected: [Double],
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let report = Closeness("\(label) forward vs Double reference", got: got.array,
                               expected: expected.map(Float.init), maxAbs: 1e-5, rel: 1e-5)
        #expect(report.passed, "\(report)", sourceLocation: sourceLocation)
    }
}

/// SplitMix64 values mapped to [-1, 1).
struct SeededRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 24) * 2 - 1
    }
}
