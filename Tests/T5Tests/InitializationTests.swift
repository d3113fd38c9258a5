// T5Model.initialized draws every tensor from the distribution transformers' T5PreTrainedModel._init_weights uses
// (factor 1): checked statistically, per tensor, against N(0, σ) with σ from the HF formulas; norms are exactly 1.
import Foundation
import Kernels
import T5
import Testing

@Suite struct InitializationTests {
    static func config(tied: Bool) -> T5Config {
        var config = T5Config()
        (config.vocabSize, config.dModel, config.dKV, config.numHeads, config.dFF) = (512, 64, 16, 6, 192)
        (config.numLayers, config.numDecoderLayers, config.feedForwardProj) = (2, 1, tied ? "relu" : "gated-gelu")
        config.tieWordEmbeddings = tied
        return config
    }

    /// σ of `name` as modeling_t5._init_weights writes it.
    static func huggingFaceStd(_ name: String, _ c: T5Config) -> Double? {
        let d = Double(c.dModel)
        if name == "shared.weight" || name == "lm_head.weight" { return 1 }
        if name.hasSuffix("relative_attention_bias.weight") { return 1 / d.squareRoot() }
        if name.contains("DenseReluDense.wi") { return 1 / d.squareRoot() }
        if name.hasSuffix("DenseReluDense.wo.weight") { return 1 / Double(c.dFF).squareRoot() }
        if name.hasSuffix(".q.weight") { return 1 / (d * Double(c.dKV)).squareRoot() }
        if name.hasSuffix(".k.weight") || name.hasSuffix(".v.weight") { return 1 / d.squareRoot() }
        if name.hasSuffix(".o.weight") { return 1 / Double(c.numHeads * c.dKV).squareRoot() }
        return nil
    }

    @Test(arguments: [true, false])
    func everyTensorHasHuggingFacesDistribution(tied: Bool) throws {
        let config = Self.config(tied: tied)
        let model = try T5Model.initialized(config: config, seed: 3)
        #expect(model.hasSeparateLMHead == !tied)
        var checked = 0
        for parameter in model.parameters {
            let values = parameter.value.array.map(Double.init)
            if parameter.name.contains("layer_norm") {
                #expect(values.allSatisfy { $0 == 1 }, "\(parameter.name)")
                continue
            }
            let sigma = try #require(Self.huggingFaceStd(parameter.name, config), "unexpected \(parameter.name)")
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
            // 5 standard errors: SE(mean) = σ/√n, SE(std) ≈ σ/√(2n).
            #expect(abs(mean) <= 5 * sigma / n.squareRoot(), "\(parameter.name): mean \(mean), σ \(sigma)")
            #expect(abs(std - sigma) <= 5 * sigma / (2 * n).squareRoot(), "\(parameter.name): std \(std) vs \(sigma)")
            // Normal, not uniform: about 4.55% of draws beyond 2σ (a uniform of the same σ has none).
            if n >= 4096 {
                let tail = Double(values.filter { abs($0 - mean) > 2 * sigma }.count) / n
                #expect(abs(tail - 0.0455) < 0.01, "\(parameter.name): \(tail) beyond 2σ")
            }
            checked += 1
        }
        // shared (+ lm_head), 2 bias tables, 2 encoder layers of q k v o + FFN, 1 decoder layer of 2 × (q k v o) + FFN.
        #expect(checked == (tied ? 1 + 2 + 2 * (4 + 2) + (8 + 2) : 2 + 2 + 2 * (4 + 3) + (8 + 3)))
    }

    @Test func sameSeedSameWeightsOtherSeedOthers() throws {
        let config = Self.config(tied: true)
        let a = try T5Model.initialized(config: config, seed: 5).parameters
        let b = try T5Model.initialized(config: config, seed: 5).parameters
        let c = try T5Model.initialized(config: config, seed: 6).parameters
        for ((x, y), z) in zip(zip(a, b), c) where !x.name.contains("layer_norm") {
            #expect(x.value.array == y.value.array, "\(x.name)")
            #expect(x.value.array != z.value.array, "\(x.name)")
        }
    }

    @Test func invalidConfigIsRefused() {
        var config = Self.config(tied: true)
        config.feedForwardProj = "tanh"
        #expect(throws: T5Error.self) { try T5Model.initialized(config: config, seed: 0) }
    }
}
