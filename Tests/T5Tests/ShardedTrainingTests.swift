// The data-parallel training step (T5Model+Shards.swift): any shard count gives the unsharded step's loss and prompt
// gradients with dropout on (each shard draws the whole batch's masks), shard ranges cover the batch evenly, and a
// model with a trainable weight falls back to one shard so its gradient is accumulated once.
import Kernels
import Testing
import TestSupport
@testable import T5

@Suite struct ShardedTrainingTests {
    /// Five examples of different lengths, four with a prompt of their own, one ignored label.
    static func batch(_ model: T5Model) -> [TrainingExample] {
        var rng = SeededRandom(seed: 41)
        let d = model.config.dModel
        func prompt() -> Tensor { TinyTraining.random([3, d], &rng, scale: 0.5) }
        return [TrainingExample(input: EncoderRow(prompt: prompt(), tokens: [5, 9, 17, 3, 1]), labels: [7, 8, 1]),
                TrainingExample(input: EncoderRow(prompt: prompt(), tokens: [22, 1]), labels: [4, -100, 9, 30, 1]),
                TrainingExample(input: EncoderRow(prompt: nil, tokens: [40, 41, 42, 43, 44, 45, 46, 1]), labels: [1]),
                TrainingExample(input: EncoderRow(prompt: prompt(), tokens: [11, 12, 13, 1]), labels: [6, 6, 2, 1]),
                TrainingExample(input: EncoderRow(prompt: prompt(), tokens: [8, 1]), labels: [3, 1])]
    }

    @Test(arguments: ["v10_relu_tied", "v11_gated_untied"])
    func shardsReproduceTheWholeBatch(variant: String) throws {
        let model = try TinyModels.load(variant)
        let batch = Self.batch(model)
        let options = TrainingOptions(dropout: 0.1, seed: 12, step: 7)
        let whole = try model.lossAndGradients(batch: batch, options: options)
        let noDropout = try model.lossAndGradients(batch: batch, options: TrainingOptions(dropout: 0))
        #expect(abs(whole.loss - noDropout.loss) > 1e-3, "dropout left the loss unchanged: the masks are not exercised")
        for threads in [2, 3, 5, 8] {
            let sharded = try model.lossAndGradients(batch: batch, options: options, threads: threads)
            #expect(abs(sharded.loss - whole.loss) <= 1e-6 * abs(whole.loss),
                    "\(variant), \(threads) shards: loss \(sharded.loss) vs \(whole.loss)")
            #expect(sharded.targetTokens == whole.targetTokens)
            #expect(sharded.promptGradients.map { $0 == nil } == whole.promptGradients.map { $0 == nil })
            for (i, (got, expected)) in zip(sharded.promptGradients, whole.promptGradients).enumerated() {
                guard let got, let expected else { continue }
                // GEMMs of other row counts may sum in another order: 1e-5 of the tensor's largest entry.
                let scale = expected.array.map { abs(Double($0)) }.max() ?? 0
                let report = Closeness("\(variant), \(threads) shards, prompt \(i)", got: got.array,
                                       expected: expected.array, maxAbs: 1e-5 * scale)
                #expect(report.passed, "\(report)")
            }
        }
        // A loss normaliser given by the caller (gradient accumulation) is kept by every shard.
        var accumulated = options
        accumulated.lossNormalizer = 40
        let wholeAccumulated = try model.lossAndGradients(batch: batch, options: accumulated)
        let shardedAccumulated = try model.lossAndGradients(batch: batch, options: accumulated, threads: 2)
        #expect(abs(shardedAccumulated.loss - wholeAccumulated.loss) <= 1e-6 * abs(wholeAccumulated.loss))
    }

    @Test func rangesCoverTheBatchEvenly() {
        func check(_ lengths: [Int], _ count: Int, _ expected: [Range<Int>]) {
            let ranges = T5Model.shardRanges(lengths: lengths, count: count)
            #expect(ranges == expected, "\(lengths) in \(count)")
        }
        check([4, 4, 4, 4, 4, 4, 4, 4], 2, [0..<4, 4..<8])
        check([4, 4, 4, 4, 4, 4, 4, 4], 3, [0..<3, 3..<6, 6..<8])
        check([10, 1, 1, 1, 1], 2, [0..<1, 1..<5])
        check([1, 1, 1, 1, 10], 2, [0..<4, 4..<5])
        check([5, 5], 4, [0..<1, 1..<2])  // never more ranges than items, none empty
        check([7], 2, [0..<1])
        check([], 2, [])
        check([3, 3, 3], 1, [0..<3])
        check([1, 1, 1, 1, 1, 1, 100], 3, [0..<5, 5..<6, 6..<7])  // later ranges still get an item each
    }

    /// Every weight trainable (tied and untied heads, the embedding, norms, bias tables): each shard accumulates
    /// into buffers of its own, summed into the weights' gradients afterwards, which then match one unsharded call's.
    @Test(arguments: ["v10_relu_tied", "v11_gated_untied"])
    func trainableWeightsAccumulateAcrossShards(variant: String) throws {
        let model = try TinyModels.load(variant)
        let batch = Self.batch(model)
        model.setTrainable { _ in true }
        let options = TrainingOptions(dropout: 0.1, seed: 3, step: 1)
        let whole = try model.lossAndGradients(batch: batch, options: options)
        let expected = model.trainableTensors.compactMap { p in p.gradient.map { (p.name, $0.clone()) } }
        #expect(expected.count > 10)
        for threads in [2, 3] {
            model.zeroGradients()
            let sharded = try model.lossAndGradients(batch: batch, options: options, threads: threads)
            #expect(abs(sharded.loss - whole.loss) <= 1e-6 * abs(whole.loss))
            for (parameter, (name, reference)) in zip(model.trainableTensors, expected) {
                let scale = reference.array.map { abs(Double($0)) }.max() ?? 0
                #expect(scale > 0 || name.contains("relative_attention_bias"), "\(name) got no gradient")
                let report = Closeness("\(variant), \(threads) shards, \(name)", got: parameter.gradient?.array ?? [],
                                       expected: reference.array, maxAbs: 1e-5 * scale + 1e-12)
                #expect(report.passed, "\(report)")
            }
        }
        // Sharded steps accumulate like unsharded ones: a second call adds the same gradient again.
        model.zeroGradients()
        _ = try model.lossAndGradients(batch: batch, options: options, threads: 2)
        _ = try model.lossAndGradients(batch: batch, options: options, threads: 2)
        for (parameter, (name, reference)) in zip(model.trainableTensors, expected) {
            let doubled = reference.array.map { 2 * $0 }
            let scale = doubled.map { abs(Double($0)) }.max() ?? 0
            let report = Closeness("\(variant), twice, \(name)", got: parameter.gradient?.array ?? [], expected: doubled,
                                   maxAbs: 1e-5 * scale + 1e-12)
            #expect(report.passed, "\(report)")
        }
    }
}
