// `album bench --precisions fp32,bf16,int8`: the same model in each precision, side by side in one run. Whole
// requests (the workload of bench/t5_reference.py: `length` tokens in, exactly 5 greedy steps) per batch size, the
// weight bytes of the projections, and agreement with fp32 on a fixed corpus: greedy tokens, rank-classification
// labels, and the error of the candidates' summed log-probabilities.
import Foundation
import Kernels
import T5

struct PrecisionSection: BenchSection {
    let title = "Precisions side by side: whole requests (encode + 5 greedy steps) and agreement with fp32"
    let precisions: [Precision]
    /// A fresh fp32 copy of the benchmarked model (each precision converts its own).
    let makeModel: @Sendable () throws -> T5Model
    let steps = 5

    /// Agreement corpus: inputs of 48 random ids + EOS, 24 greedy tokens, 4 candidate labels of 1-3 tokens.
    static let corpusSize = 48, inputLength = 48, greedyTokens = 24, candidates = 4

    struct Agreement {
        var tokens = 0, agreeingTokens = 0, sequences = 0, identicalSequences = 0
        var labels = 0, agreeingLabels = 0
        var sumError = 0.0, maxError = 0.0, scores = 0
    }

    func run(_ context: BenchContext) throws -> [String] {
        let batches = Set(context.batchSizes).sorted()
        var models: [(Precision, T5Model)] = []
        for precision in precisions {
            let model = try makeModel()
            model.convert(to: precision)
            models.append((precision, model))
        }
        let corpus = Self.corpus(vocab: context.model.config.vocabSize)
        // fp32's outputs from the fp32 model already built, when the list has one.
        let reference = try Self.outputs(of: try models.first { $0.0 == .fp32 }?.1 ?? makeModel(), corpus: corpus)
        var timing = ["| precision | linear weights MB (LM head incl.) | " + batches.map { "B=\($0) ms / seq" }.joined(separator: " | ")
                      + " | " + batches.map { "B=\($0) vs fp32" }.joined(separator: " | ") + " |",
                      "|---|---:|" + String(repeating: "---:|", count: 2 * batches.count)]
        var agreement = ["| precision | greedy tokens agreeing | sequences identical | labels agreeing | "
                         + "mean abs Δ log p | max abs Δ log p |", "|---|---:|---:|---:|---:|---:|"]
        var fp32Times: [Int: Double] = [:]
        let budget = KernelThreads.count, benchedPrecision = context.model.precision
        defer { KernelThreads.configure(threads: budget, precision: benchedPrecision) }
        for (precision, model) in models {
            KernelThreads.configure(threads: budget, precision: precision)
            var times: [Double] = []
            for batch in batches {
                let rows = (0..<batch).map { EncoderRow(prompt: nil, tokens: BenchInputs.ids(length: context.length, seed: $0, model: model)) }
                let seconds = try BenchTimer.best(repeats: context.repeats) {
                    let encoded = try model.encode(rows: rows)
                    let sequences = encoded.map { model.startDecoding($0, maxNewTokens: steps) }
                    for _ in 0..<steps { model.decodeStep(sequences, minNewTokens: steps) }
                }
                times.append(seconds * 1e3 / Double(batch))
                if precision == .fp32 { fp32Times[batch] = times.last! }
            }
            let ratios = zip(batches, times).map { batch, ms in fp32Times[batch].map { BenchTimer.format($0 / ms, 2) + "×" } ?? "—" }
            timing.append("| \(precision) | \((model.projectionBytes + model.lmHeadBytes) / 1_000_000) | "
                + times.map { BenchTimer.format($0) }.joined(separator: " | ") + " | " + ratios.joined(separator: " | ") + " |")
            let a = Self.compare(try Self.outputs(of: model, corpus: corpus), reference)
            agreement.append("| \(precision) | \(Self.percent(a.agreeingTokens, a.tokens)) | "
                + "\(Self.percent(a.identicalSequences, a.sequences)) | \(Self.percent(a.agreeingLabels, a.labels)) | "
                + "\(String(format: "%.2e", a.sumError / Double(max(a.scores, 1)))) | \(String(format: "%.2e", a.maxError)) |")
        }
        return timing + ["", "Agreement with fp32 on \(Self.corpusSize) inputs of \(Self.inputLength) random ids: greedy "
            + "decoding of \(Self.greedyTokens) tokens (a token agrees when it equals fp32's at the same position; "
            + "positions after the first difference count as disagreeing), and rank classification over "
            + "\(Self.candidates) candidates per input.", ""] + agreement
    }

    struct Corpus {
        let inputs: [[Int32]]
        let candidates: [[[Int32]]]
    }

    struct Outputs {
        let greedy: [[Int32]]
        let scores: [[Double]]
    }

    static func corpus(vocab: Int) -> Corpus {
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let inputs = (0..<corpusSize).map { _ in (0..<inputLength).map { _ in Int32(3 + next(vocab - 3)) } + [1] }
        let candidates = (0..<corpusSize).map { _ in
            (0..<Self.candidates).map { _ in (0..<(1 + next(3))).map { _ in Int32(3 + next(vocab - 3)) } + [1] }
        }
        return Corpus(inputs: inputs, candidates: candidates)
    }

    static func outputs(of model: T5Model, corpus: Corpus) throws -> Outputs {
        let encoded = try model.encode(rows: corpus.inputs.map { EncoderRow(prompt: nil, tokens: $0) })
        let greedy = model.greedy(encoded, maxNewTokens: greedyTokens)
        let scores = try model.score(Array(zip(encoded, corpus.candidates)).map { (encoded: $0.0, targets: $0.1) })
        return Outputs(greedy: greedy, scores: scores)
    }

    static func compare(_ got: Outputs, _ reference: Outputs) -> Agreement {
        var a = Agreement()
        for (tokens, expected) in zip(got.greedy, reference.greedy) {
            let length = max(tokens.count, expected.count)
            let prefix = zip(tokens, expected).prefix { $0 == $1 }.count
            a.tokens += length
            a.agreeingTokens += prefix
            a.sequences += 1
            a.identicalSequences += tokens == expected ? 1 : 0
        }
        for (scores, expected) in zip(got.scores, reference.scores) {
            a.labels += 1
            a.agreeingLabels += argmax(scores) == argmax(expected) ? 1 : 0
            for (s, e) in zip(scores, expected) {
                let error = abs(s - e)
                a.sumError += error
                a.maxError = max(a.maxError, error)
                a.scores += 1
            }
        }
        return a
    }

    static func argmax(_ values: [Double]) -> Int { values.indices.max { values[$0] < values[$1] } ?? 0 }

    static func percent(_ part: Int, _ whole: Int) -> String {
        String(format: "%.1f%%", 100 * Double(part) / Double(max(whole, 1)))
    }
}
