// Span corruption as run_t5_mlm_flax.py: span counts (numpy's half-to-even rounding), mask shape (alternating runs,
// non-noise first, noise last), exact input/target of small cases, reconstruction of the original from input and
// target, sentinel order, determinism per (seed, epoch, index).
import Foundation
import Testing
import Training

@Suite struct SpanCorruptionTests {
    let corruption: SpanCorruption
    let sentinels: [Int32] = (0..<100).map { 999 - Int32($0) }  // <extra_id_k> = 999 − k, as in T5 vocabularies

    init() throws {
        corruption = try SpanCorruption()
    }

    @Test func spanCountsFollowTheReference() {
        // (length, noise tokens, spans) computed with numpy by random_spans_noise_mask's formulas.
        let cases = [(2, 1, 1), (3, 1, 1), (5, 1, 1), (10, 2, 1), (20, 3, 1), (30, 4, 1), (50, 8, 3), (70, 10, 3),
                     (100, 15, 5), (101, 15, 5)]
        for (length, noise, spans) in cases {
            let got = corruption.spanCount(length: length)
            #expect(got.noiseTokens == noise && got.spans == spans, "length \(length): \(got)")
        }
    }

    /// Runs of equal values: [(value, count)].
    static func runs(_ mask: [Bool]) -> [(Bool, Int)] {
        var runs: [(Bool, Int)] = []
        for value in mask {
            if let last = runs.last, last.0 == value { runs[runs.count - 1].1 += 1 } else { runs.append((value, 1)) }
        }
        return runs
    }

    @Test func masksAlternateStartingWithKeptTokens() {
        var generator = SplitMix64(seed: 7)
        for length in [2, 3, 7, 10, 33, 100, 257] {
            for _ in 0..<20 {
                let mask = corruption.noiseMask(length: length, using: &generator)
                let (noise, spans) = corruption.spanCount(length: length)
                #expect(mask.count == length)
                #expect(mask.filter { $0 }.count == noise)
                let runs = Self.runs(mask)
                #expect(runs.count == 2 * spans, "length \(length): \(runs)")
                #expect(runs.first?.0 == false && runs.last?.0 == true)
            }
        }
    }

    @Test func exactSmallCase() throws {
        let tokens: [Int32] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
        let mask = [false, false, true, true, false, false, false, true, false, true]
        let (input, target) = try SpanCorruption.apply(mask: mask, to: tokens, sentinels: sentinels, eos: 1)
        #expect(input == [10, 11, 999, 14, 15, 16, 998, 18, 997, 1])
        #expect(target == [999, 12, 13, 998, 17, 997, 19, 1])
    }

    /// The original from input and target: each sentinel of the input replaced by the target's span after it.
    static func reconstruct(input: [Int32], target: [Int32], sentinels: [Int32], eos: Int32) -> [Int32] {
        var spans: [Int32: [Int32]] = [:]
        var current: Int32?
        for id in target.dropLast() {
            if sentinels.contains(id) { current = id; spans[id] = [] } else if let current { spans[current, default: []].append(id) }
        }
        return input.dropLast().flatMap { sentinels.contains($0) ? spans[$0] ?? [] : [$0] }
    }

    @Test func inputAndTargetInterleaveBackToTheOriginal() throws {
        for length in [2, 4, 9, 15, 40, 120] {
            for index in 0..<25 {
                let tokens = (0..<length).map { Int32(100 + ($0 * 37 + index) % 500) }
                let pair = try #require(try corruption.corrupt(tokens, sentinels: sentinels, eos: 1, seed: 42, epoch: 0, index: index))
                #expect(pair.input.last == 1 && pair.target.last == 1)
                #expect(Self.reconstruct(input: pair.input, target: pair.target, sentinels: sentinels, eos: 1) == tokens)
                // Sentinels appear in order <extra_id_0>, <extra_id_1>, … in both, once per span.
                let spans = corruption.spanCount(length: length).spans
                #expect(pair.input.filter(sentinels.contains) == Array(sentinels.prefix(spans)))
                #expect(pair.target.filter(sentinels.contains) == Array(sentinels.prefix(spans)))
                #expect(pair.input.count + pair.target.count == length + 2 * spans + 2)
                #expect(pair.target.first == sentinels[0])
            }
        }
    }

    @Test func deterministicPerSeedEpochAndIndex() throws {
        let tokens = (0..<60).map { Int32(200 + $0) }
        func corrupt(seed: UInt64, epoch: Int, index: Int) throws -> [Int32]? {
            try corruption.corrupt(tokens, sentinels: sentinels, eos: 1, seed: seed, epoch: epoch, index: index)?.input
        }
        #expect(try corrupt(seed: 1, epoch: 0, index: 3) == corrupt(seed: 1, epoch: 0, index: 3))
        let variants = try [corrupt(seed: 1, epoch: 1, index: 3), corrupt(seed: 1, epoch: 0, index: 4), corrupt(seed: 2, epoch: 0, index: 3)]
        #expect(try variants.allSatisfy { try $0 != corrupt(seed: 1, epoch: 0, index: 3) })
    }

    @Test func tooShortOrTooManySpans() throws {
        #expect(try corruption.corrupt([5], sentinels: sentinels, eos: 1, seed: 0, epoch: 0, index: 0) == nil)
        let long = (0..<100).map { Int32(300 + $0) }  // 5 spans, 2 sentinels
        #expect(throws: TrainingError.self) {
            try corruption.corrupt(long, sentinels: [999, 998], eos: 1, seed: 0, epoch: 0, index: 0)
        }
        #expect(throws: TrainingError.self) { try SpanCorruption(noiseDensity: 1) }
        #expect(throws: TrainingError.self) { try SpanCorruption(meanNoiseSpanLength: 0.5) }
    }
}
