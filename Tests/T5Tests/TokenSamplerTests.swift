// The token choice of one decode step, on hand-made logits: transformers' repetition penalty (divide positive logits,
// multiply negative ones), top-k and top-p cuts, the counter-based draws (a function of seed and step only), the
// sampled frequencies against softmax(logits / T), and the log-probabilities of the chosen token and the top ones.
import Foundation
import T5
import Testing

@Suite struct TokenSamplerTests {
    func choose(_ logits: [Float], _ p: SamplingParameters, history: [Int32] = [], step: Int = 0) -> Int32 {
        logits.withUnsafeBufferPointer { TokenSampler.choose($0.baseAddress!, count: logits.count, parameters: p,
                                                             history: history, step: step) }
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        // Greedy with penalty 2: token 0 (3.0 → 1.5) loses to token 1 (2.0); token 2 (-0.5 → -1.0) stays below 3.
        let logits: [Float] = [3.0, 2.0, -0.5, -0.8]
        #expect(choose(logits, SamplingParameters()) == 0)
        #expect(choose(logits, SamplingParameters(repetitionPenalty: 2), history: [0]) == 1)
        // A negative logit seen before is pushed further down: -0.5·4 = -2 < -0.8.
        #expect(choose([-0.5, -0.8], SamplingParameters(repetitionPenalty: 4), history: [0]) == 1)
        #expect(choose([-0.5, -0.8], SamplingParameters(repetitionPenalty: 4)) == 0)
    }

    @Test func topKOneAndTinyTopPAreGreedy() {
        let logits: [Float] = [0.1, 2.5, 2.4, -1]
        for step in 0..<50 {
            #expect(choose(logits, SamplingParameters(temperature: 1, topK: 1, seed: 9), step: step) == 1)
            #expect(choose(logits, SamplingParameters(temperature: 1, topP: 0.01, seed: 9), step: step) == 1)
        }
    }

    @Test func topPKeepsTheTokenThatCrossesTheMass() {
        // Probabilities ≈ [0.5, 0.3, 0.2] (log-probs as logits): top_p 0.6 keeps tokens 0 and 1, never 2.
        let logits = [0.5, 0.3, 0.2].map { Float(log($0)) }
        var seen: Set<Int32> = []
        for step in 0..<400 { seen.insert(choose(logits, SamplingParameters(temperature: 1, topP: 0.6, seed: 3), step: step)) }
        #expect(seen == [0, 1])
    }

    @Test func drawsDependOnSeedAndStepOnly() {
        let logits: [Float] = (0..<16).map { Float($0 % 5) * 0.3 }
        let a = (0..<64).map { choose(logits, SamplingParameters(temperature: 1, seed: 11), step: $0) }
        let b = (0..<64).map { choose(logits, SamplingParameters(temperature: 1, seed: 11), step: $0) }
        let c = (0..<64).map { choose(logits, SamplingParameters(temperature: 1, seed: 12), step: $0) }
        #expect(a == b)
        #expect(a != c)
        #expect(TokenSampler.uniform(seed: 5, step: 3) == TokenSampler.uniform(seed: 5, step: 3))
        #expect((0..<1000).allSatisfy { (0..<1).contains(TokenSampler.uniform(seed: 1, step: $0)) })
    }

    @Test func sampledFrequenciesFollowSoftmaxOfScaledLogits() {
        let logits: [Float] = [1.0, 0.0, -1.0]
        let temperature = 2.0
        let weights = logits.map { exp(Double($0) / temperature) }
        let expected = weights.map { $0 / weights.reduce(0, +) }
        var counts = [0, 0, 0]
        let draws = 20_000
        for step in 0..<draws { counts[Int(choose(logits, SamplingParameters(temperature: temperature, seed: 77), step: step))] += 1 }
        for (count, p) in zip(counts, expected) {
            // Four standard deviations of a binomial count.
            #expect(abs(Double(count) - p * Double(draws)) < 4 * (Double(draws) * p * (1 - p)).squareRoot())
        }
    }

    @Test func logProbsOfChosenAndTopTokens() {
        let logits: [Float] = [0.2, 1.7, -3, 1.1, 0.9]
        let lse = log(logits.map { exp(Double($0)) }.reduce(0, +))
        let step = logits.withUnsafeBufferPointer { TokenSampler.logProbs($0.baseAddress!, count: 5, chosen: 4, top: 3) }
        #expect(step.chosen.id == 4 && abs(step.chosen.logProb - (0.9 - lse)) < 1e-5)
        #expect(step.top.map(\.id) == [1, 3, 4])
        for entry in step.top { #expect(abs(entry.logProb - (Double(logits[Int(entry.id)]) - lse)) < 1e-5) }
    }
}

@Suite struct NucleusTests {
    /// The cut by sorting everything: the definition the fast path must equal.
    func naive(_ weights: [Double], topK: Int, topP: Double) -> [Int32] {
        var ids = weights.indices.filter { weights[$0] > 0 }.map { Int32($0) }
        ids.sort { weights[Int($0)] > weights[Int($1)] || (weights[Int($0)] == weights[Int($1)] && $0 < $1) }
        if topK > 0 && topK < ids.count { ids.removeSubrange(topK...) }
        let mass = ids.reduce(0) { $0 + weights[Int($1)] }
        var sum = 0.0, keep = 0
        while keep < ids.count {
            sum += weights[Int(ids[keep])] / mass
            keep += 1
            if topP < 1 && sum >= topP { break }
        }
        return Array(ids.prefix(keep))
    }

    @Test func fastCutEqualsSortingEverything() {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        // Random logits, and a long tail far below the top (each token under e^-16 of it) that top-p must reach.
        var cases: [[Double]] = (0..<20).map { _ in (0..<300).map { _ in exp((next() - 1) * 20) } }
        cases.append([1] + [Double](repeating: exp(-17), count: 200_000))
        for weights in cases {
            for (topK, topP) in [(0, 0.9), (0, 0.999), (5, 1.0), (50, 0.7), (400, 0.95), (1, 1.0), (0, 0.3)] {
                #expect(TokenSampler.nucleus(weights, topK: topK, topP: topP).ids == naive(weights, topK: topK, topP: topP),
                        "top_k \(topK) top_p \(topP)")
            }
        }
        let tail = TokenSampler.nucleus(cases.last!, topK: 0, topP: 0.999).ids
        #expect(tail.count > 1000, "the nucleus reaches into the tail: \(tail.count)")
    }
}
