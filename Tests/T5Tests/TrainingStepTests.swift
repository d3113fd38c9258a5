// T5Model's training step beyond parity: frozen weights own no gradient buffer and their layers record no
// weight-gradient input (so no weight-gradient GEMM can run), fused tensors train as a unit, seeded dropout is
// deterministic and off at evaluation, the whole backward with dropout on agrees with a directional finite
// difference of the loss (same masks), and bad inputs throw.
import Foundation
import Kernels
import Testing
import TestSupport
@testable import T5

@Suite struct TrainingStepTests {
    /// Three examples of different lengths, the first two with a soft prompt, one ignored label.
    static func batch(_ model: T5Model, promptLength: Int = 3) -> [TrainingExample] {
        var rng = SeededRandom(seed: 31)
        let prompt = TinyTraining.random([promptLength, model.config.dModel], &rng, scale: 0.5)
        return [TrainingExample(input: EncoderRow(prompt: prompt, tokens: [5, 9, 17, 3, 1]), labels: [7, 8, 1]),
                TrainingExample(input: EncoderRow(prompt: prompt.clone(), tokens: [22, 1]), labels: [4, -100, 9, 30, 1]),
                TrainingExample(input: EncoderRow(prompt: nil, tokens: [40, 41, 42, 43, 44, 45, 46, 1]), labels: [1])]
    }

    @Test func frozenWeightsHaveNoGradientBuffer() throws {
        let model = try TinyModels.load("v11_gated_untied")
        #expect(model.trainableTensors.isEmpty)
        let result = try model.lossAndGradients(batch: Self.batch(model))
        #expect(model.parameters.allSatisfy { $0.gradient == nil }, "a frozen model allocated a gradient")
        #expect(result.promptGradients.map { $0 != nil } == [true, true, false])
        #expect(result.promptGradients[0]?.shape == [3, model.config.dModel])
        #expect(result.targetTokens == 8)

        // One HF tensor of a fused weight selects the whole fused weight (q|k|v here), nothing else.
        model.setTrainable { $0 == "encoder.block.1.layer.0.SelfAttention.q.weight" }
        let trained = Set(model.parameters.filter { $0.gradient != nil }.map(\.name))
        #expect(trained == Set(["q", "k", "v"].map { "encoder.block.1.layer.0.SelfAttention.\($0).weight" }))
        #expect(model.trainableTensors.map(\.name) == [["q", "k", "v"].map {
            "encoder.block.1.layer.0.SelfAttention.\($0).weight" }.joined(separator: "+")])
        model.setTrainable { $0.hasSuffix("EncDecAttention.q.weight") || $0 == "lm_head.weight" }
        #expect(Set(model.parameters.filter { $0.gradient != nil }.map(\.name))
                == ["decoder.block.0.layer.1.EncDecAttention.q.weight", "decoder.block.1.layer.1.EncDecAttention.q.weight",
                    "lm_head.weight"])
        model.setTrainable { _ in false }
        #expect(model.parameters.allSatisfy { $0.gradient == nil })
    }

    /// A frozen projection's tape keeps no input, a frozen output projection no context: the backward has nothing to
    /// run a weight-gradient GEMM on. Trainable ones keep exactly what their weight gradient needs.
    @Test func tapesKeepOnlyWhatTrainableWeightsNeed() throws {
        let model = try TinyTraining.model("gated-gelu", tied: false)
        let layer = model.weights.encoderLayers[0], d = model.config.dModel
        var rng = SeededRandom(seed: 32)
        let rows = PackedRows(lengths: [2, 3]), h = TinyTraining.random([5, d], &rng), x = TinyTraining.random([5, d], &rng)
        let bias = [2: model.weights.encoderBias.vectors(length: 2), 3: model.weights.encoderBias.vectors(length: 3)]
        func tapes() throws -> (Attention.Tape, FeedForward.Tape) {
            let pass = TrainingPass(dropout: 0, seed: 0, step: 0), ws = Workspace()
            let residual = x.clone()  // (5, D), written by the residual adds
            let attention = try #require(layer.selfAttention.selfAttend(h.data, residual: residual.data, rows: rows,
                                                                        bias: bias, causal: false, workspace: ws,
                                                                        recording: pass))
            let ffn = try #require(layer.feedForward(h.data, residual: residual.data, rows: 5, workspace: ws,
                                                     recording: pass))
            return (attention, ffn)
        }
        let (frozenAttention, frozenFFN) = try tapes()
        #expect(frozenAttention.input == nil && frozenAttention.context == nil)
        #expect(frozenFFN.input == nil && frozenFFN.product == nil)
        layer.selfAttention.o.makeTrainable()
        layer.feedForward.wi.makeTrainable()
        let (attention, ffn) = try tapes()
        #expect(attention.input == nil && attention.context?.shape == [5, model.config.innerDim])
        #expect(ffn.input?.shape == [5, d] && ffn.product == nil)
    }

    @Test func dropoutIsSeededAndOffAtEvaluation() throws {
        let model = try TinyModels.load("v10_relu_tied")
        let batch = Self.batch(model)
        #expect(TrainingOptions().dropout == 0.1)
        let evaluation = try model.loss(batch: batch)
        let noDropout = try model.lossAndGradients(batch: batch, options: TrainingOptions(dropout: 0))
        #expect(noDropout.loss == evaluation, "training forward without dropout \(noDropout.loss) vs evaluation \(evaluation)")

        let options = TrainingOptions(dropout: 0.1, seed: 5, step: 3)
        let first = try model.lossAndGradients(batch: batch, options: options)
        let second = try model.lossAndGradients(batch: batch, options: options)
        #expect(first.loss == second.loss)
        #expect(first.promptGradients.map { $0?.array } == second.promptGradients.map { $0?.array })
        #expect(first.loss != evaluation, "dropout 0.1 left the loss unchanged")
        var otherSeed = options, otherStep = options
        otherSeed.seed = 6
        otherStep.step = 4
        #expect(try model.lossAndGradients(batch: batch, options: otherSeed).loss != first.loss)
        #expect(try model.lossAndGradients(batch: batch, options: otherStep).loss != first.loss)
        #expect(try model.loss(batch: batch) == evaluation, "evaluation changed after training passes")
    }

    /// With dropout on (fixed masks) and every weight trainable, the loss along the gradient direction u = g/‖g‖
    /// changes at rate ‖g‖: (f(θ + εu) − f(θ − εu)) / 2ε within 1% (Float losses, ε = 1e-3).
    @Test(arguments: ["v10_relu_tied", "v11_gated_untied"])
    func backwardWithDropoutMatchesDirectionalDifference(variant: String) throws {
        let model = try TinyModels.load(variant)
        model.setTrainable { _ in true }
        var batch = Self.batch(model)
        let options = TrainingOptions(dropout: 0.1, seed: 8, step: 1)
        let result = try model.lossAndGradients(batch: batch, options: options)
        // Every trainable tensor, and the shared prompt of examples 0 and 1, with its gradient copied.
        let prompt = try #require(batch[0].input.prompt)
        let promptGradient = try #require(result.promptGradients[0]).clone()
        addInPlace(promptGradient.data, try #require(result.promptGradients[1]).data, count: prompt.count)
        var tensors = model.trainableTensors.map { (value: $0.value, original: $0.value.clone(), direction: $0.gradient!.clone()) }
        tensors.append((prompt, prompt.clone(), promptGradient))
        let norm = tensors.reduce(0.0) { sum, t in t.direction.array.reduce(sum) { $0 + Double($1) * Double($1) } }.squareRoot()
        func loss(at epsilon: Double) throws -> Double {
            for t in tensors {
                for i in 0..<t.value.count {
                    t.value.data[i] = t.original.data[i] + Float(epsilon / norm) * t.direction.data[i]
                }
            }
            model.weightsDidChange()
            batch[1].input = EncoderRow(prompt: prompt, tokens: batch[1].input.tokens)
            return try model.lossAndGradients(batch: batch, options: options).loss
        }
        let epsilon = 1e-3
        let slope = (try loss(at: epsilon) - loss(at: -epsilon)) / (2 * epsilon)
        _ = try loss(at: 0)
        #expect(abs(slope - norm) <= 1e-2 * norm, "\(variant): directional difference \(slope) vs ‖g‖ \(norm)")
        print("\(variant) with dropout: directional difference \(slope) vs ‖g‖ \(norm), rel \(abs(slope - norm) / norm)")
    }

    @Test func invalidInputsThrow() throws {
        let model = try TinyModels.load("v10_relu_tied")
        let good = Self.batch(model)
        var badLabel = good
        badLabel[0].labels = [7, Int32(model.config.vocabSize)]
        #expect(throws: T5Error.invalidTokenID(id: Int32(model.config.vocabSize), vocabSize: model.config.vocabSize)) {
            try model.lossAndGradients(batch: badLabel)
        }
        #expect(throws: T5Error.self) { try model.lossAndGradients(batch: good, options: TrainingOptions(dropout: 1)) }
        #expect(throws: T5Error.self) {
            try model.lossAndGradients(batch: good, options: TrainingOptions(labelSmoothing: 1.5))
        }
        #expect(throws: T5Error.self) {
            try model.lossAndGradients(batch: [TrainingExample(input: EncoderRow(prompt: nil, tokens: []), labels: [1])])
        }
        let empty = try model.lossAndGradients(batch: [])
        #expect(empty.loss == 0 && empty.promptGradients.isEmpty)
    }
}
