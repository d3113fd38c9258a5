// BatchSampler: sequential, shuffled and length-grouped orders (transformers' get_length_grouped_indices), batch
// cutting and drop-last, determinism for a seed, and SplitMix64's fixed sequence.
import Testing
import Training

@Suite struct BatchSamplerTests {
    @Test func splitMix64SequenceIsFixed() {
        // Reference values of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        var rng = SplitMix64(seed: 1_234_567)
        #expect([rng.next(), rng.next(), rng.next()] == [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423])
        var bounded = SplitMix64(seed: 5)
        let draws = (0..<10_000).map { _ in bounded.next(below: 7) }
        #expect(draws.allSatisfy { $0 < 7 })
        #expect(Set(draws).count == 7)
    }

    @Test func sequentialOrderWithAndWithoutDropLast() throws {
        let sampler = try BatchSampler(lengths: Array(repeating: 1, count: 7), batchSize: 3, shuffle: false, seed: 0)
        #expect(sampler.batches(epoch: 0) == [[0, 1, 2], [3, 4, 5], [6]])
        #expect(sampler.batchesPerEpoch == 3)
        let dropping = try BatchSampler(lengths: Array(repeating: 1, count: 7), batchSize: 3, shuffle: false,
                                        dropLast: true, seed: 0)
        #expect(dropping.batches(epoch: 0) == [[0, 1, 2], [3, 4, 5]])
        #expect(dropping.batchesPerEpoch == 2)
        #expect(throws: TrainingError.invalidHyperparameter(name: "batch size", value: "0", reason: "must be ≥ 1")) {
            try BatchSampler(lengths: [1], batchSize: 0, seed: 0)
        }
    }

    @Test func shuffleIsAPermutationDeterministicPerSeedAndEpoch() throws {
        let sampler = try BatchSampler(lengths: Array(repeating: 1, count: 50), batchSize: 8, seed: 42)
        let first = sampler.batches(epoch: 0)
        #expect(first.flatMap { $0 }.sorted() == Array(0..<50))
        #expect(first != (try BatchSampler(lengths: Array(repeating: 1, count: 50), batchSize: 8, shuffle: false, seed: 42)).batches(epoch: 0))
        #expect(sampler.batches(epoch: 0) == first, "same seed and epoch, same order")
        #expect(sampler.batches(epoch: 1) != first, "a new epoch reshuffles")
        let again = try BatchSampler(lengths: Array(repeating: 1, count: 50), batchSize: 8, seed: 42)
        #expect(again.batches(epoch: 1) == sampler.batches(epoch: 1))
        let otherSeed = try BatchSampler(lengths: Array(repeating: 1, count: 50), batchSize: 8, seed: 43)
        #expect(otherSeed.batches(epoch: 0) != first)
    }

    @Test func lengthGroupingSortsMegabatchesAndPutsTheLongestFirst() throws {
        // 100 examples, batch 4: mega-batch multiple min(100 / 16, 50) = 6, so mega-batches of 24.
        let lengths = (0..<100).map { ($0 * 37) % 101 }
        let sampler = try BatchSampler(lengths: lengths, batchSize: 4, groupByLength: true, seed: 7)
        let order = sampler.batches(epoch: 0).flatMap { $0 }
        #expect(order.sorted() == Array(0..<100))
        #expect(lengths[order[0]] == lengths.max(), "the longest example comes first")
        for start in stride(from: 0, to: 100, by: 24) {
            let mega = order[start..<min(start + 24, 100)].map { lengths[$0] }
            // Descending within each mega-batch, except position 0 which may hold the swapped-in longest one.
            let rest = Array(mega.dropFirst())
            #expect(rest == rest.sorted(by: >), "mega-batch at \(start) sorted by length, descending")
        }
        // Without shuffling, mega-batches are consecutive examples.
        let sequential = try BatchSampler(lengths: [1, 5, 2, 4, 3, 9, 8, 7], batchSize: 2, shuffle: false,
                                          groupByLength: true, seed: 0)
        // multiple = max(1, min(8 / 8, 50)) = 1: mega-batches of 2 examples, each sorted descending ([1, 0], [3, 2],
        // [5, 4], [6, 7]); the head of the longest mega-batch (5, length 9) swaps places with the first head (1).
        #expect(sequential.batches(epoch: 0) == [[5, 0], [3, 2], [1, 4], [6, 7]])
    }
}
