// Reduced-precision models (`--precision bf16|int8`): the projections change storage and nothing else, memory
// shrinks as stated, every row of a batch still equals the same row alone (quantization is per row, so mixed-task
// batching stays exact), and outputs stay close to fp32.
import Foundation
import Kernels
import T5
import Testing
import TestSupport

@Suite(.serialized) struct PrecisionTests {
    @Test(arguments: [Precision.bf16, .int8])
    func convertsOnlyTheProjections(precision: Precision) throws {
        let fp32 = try TinyModels.load("v11_gated_untied")
        let model = try T5Model.load(directory: TinyModels.directory("v11_gated_untied"), precision: precision)
        #expect(fp32.precision == .fp32 && model.precision == precision)
        #expect(model.parameterCount == fp32.parameterCount)
        let bytes = Double(model.projectionBytes) / Double(fp32.projectionBytes)
        // bf16: exactly half (row-major), or half plus the packed layout's padding to 32-column panels and an even
        // K (at most 31/N and 1/K on top; none on T5's real shapes); int8: a quarter plus 8 bytes (scale, column
        // sum) per output channel, i.e. 2/K of fp32's bytes on top (K ≥ 40 here: at most 0.05).
        let k = Double(min(fp32.config.dModel, fp32.config.innerDim, fp32.config.dFF))
        let bf16Padding = BF16Weight.Layout.preferred == .rowMajor ? 1 : (1 + 31 / k) * (1 + 1 / k)
        #expect(precision == .bf16 ? bytes >= 0.5 && bytes <= 0.5 * bf16Padding : bytes > 0.25 && bytes <= 0.25 + 2 / k,
                "\(precision): \(bytes) of fp32's bytes")
        // Converting again, or to fp32, changes nothing.
        model.convert(to: .fp32)
        #expect(model.precision == precision)
    }

    @Test(arguments: [Precision.bf16, .int8])
    func rowsOfABatchEqualTheRowAlone(precision: Precision) throws {
        let model = try T5Model.load(directory: TinyModels.directory("v10_relu_tied"), precision: precision)
        let golden = try Golden.load("v10_relu_tied")
        let inputs = Array(golden.inputs.reversed())  // lengths 33, 17, 9, 4, 1
        let batched = try model.encode(ids: inputs)
        let together = model.greedy(batched, maxNewTokens: 10)
        let scores = try model.score(batched.map { (encoded: $0, targets: golden.targets) })
        for (i, ids) in inputs.enumerated() {
            let alone = try model.encode(ids: [ids])[0]
            let report = Closeness("\(precision) row \(i) hidden", got: batched[i].hidden.array,
                                   expected: alone.hidden.array, maxAbs: 1e-5)
            #expect(report.passed, "\(report)")
            #expect(together[i] == model.greedy([alone], maxNewTokens: 10)[0], "\(precision) greedy row \(i)")
            let single = try model.score([(alone, golden.targets)])[0]
            for (got, expected) in zip(scores[i], single) {
                #expect(abs(got - expected) <= 1e-5 * max(1, abs(expected)), "\(precision) score row \(i)")
            }
        }
    }

    @Test(arguments: [Precision.bf16, .int8])
    func staysCloseToFP32(precision: Precision) throws {
        let fp32 = try TinyModels.load("v11_gated_untied")
        let model = try T5Model.load(directory: TinyModels.directory("v11_gated_untied"), precision: precision)
        let golden = try Golden.load("v11_gated_untied")
        let reference = try fp32.encode(ids: golden.inputs), reduced = try model.encode(ids: golden.inputs)
        for (i, (r, q)) in zip(reference, reduced).enumerated() {
            let expected = r.hidden.array, got = q.hidden.array
            let norm = expected.reduce(0) { $0 + Double($1 * $1) }.squareRoot()
            let error = zip(got, expected).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
            // Relative error of the encoder output of this 40-wide model: bf16 rounds weights (and on CPUs with
            // AVX-512 BF16 the activations too) to 8 bits of mantissa (measured ≤ 0.93% for weights alone), int8 both operands (≤ 6.7% with the 7-bit activations of CPUs without VNNI).
            let bound = precision == .bf16 ? 0.02 : 0.12
            #expect(error > 0 && error < bound * norm, "\(precision) row \(i): relative error \(error / norm)")
        }
    }

    /// A reduced-precision load converts each projection as it is read (its memory peak is not the fp32 model's):
    /// the model is the one a full fp32 load converted afterwards gives, bit for bit.
    @Test(arguments: [Precision.bf16, .int8])
    func loadingInAPrecisionEqualsConvertingAfterTheLoad(precision: Precision) throws {
        let converted = try TinyModels.load("v11_gated_untied")
        converted.convert(to: precision)
        let loaded = try T5Model.load(directory: TinyModels.directory("v11_gated_untied"), precision: precision)
        #expect(loaded.precision == precision && loaded.projectionBytes == converted.projectionBytes)
        #expect(loaded.lmHeadBytes == converted.lmHeadBytes)
        let golden = try Golden.load("v11_gated_untied")
        let a = try loaded.encode(ids: golden.inputs), b = try converted.encode(ids: golden.inputs)
        for (x, y) in zip(a, b) { #expect(x.hidden.array == y.hidden.array) }
        #expect(loaded.greedy(a, maxNewTokens: 8) == converted.greedy(b, maxNewTokens: 8))
    }

    @Test func attentionHeadsSplitOverThreadsGiveTheSameOutputs() throws {
        // int8 serving pins OpenBLAS to one thread and runs attention heads on Album's threads instead.
        let model = try T5Model.load(directory: TinyModels.directory("v10_relu_tied"), precision: .int8)
        let golden = try Golden.load("v10_relu_tied")
        let savedBLAS = BLAS.threads
        defer { KernelThreads.configure(threads: savedBLAS, precision: .fp32) }
        KernelThreads.configure(threads: 1, precision: .fp32)
        #expect(!KernelThreads.splitsAttentionHeads)
        let serial = try model.encode(ids: golden.inputs)
        let serialGreedy = model.greedy(serial, maxNewTokens: 8)
        KernelThreads.configure(threads: 3, precision: .int8)
        #expect(BLAS.threads == 1 && KernelThreads.count == 3 && KernelThreads.splitsAttentionHeads)
        let split = try model.encode(ids: golden.inputs)
        for (a, b) in zip(serial, split) { #expect(a.hidden.array == b.hidden.array) }
        #expect(model.greedy(split, maxNewTokens: 8) == serialGreedy)
    }
}
