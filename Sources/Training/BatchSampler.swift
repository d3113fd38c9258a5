// The order of examples and their split into batches for one epoch: sequential, shuffled, or length-grouped as
// transformers' LengthGroupedSampler (get_length_grouped_indices: shuffle, cut into mega-batches of
// min(n / (4·batch), 50) batches, sort each by length descending, move the longest example to the front), then cut
// into batches. Deterministic for (seed, epoch); the generator is SplitMix64, not torch's, so orders differ from HF.

public struct BatchSampler: Sendable {
    /// Per-example lengths (e.g. token counts), used only by length grouping.
    public let lengths: [Int]
    public let batchSize: Int
    /// false reads the examples in file order (a `--no-shuffle` run); with `groupByLength` the mega-batches are
    /// then consecutive examples, still sorted by length inside.
    public let shuffle: Bool
    public let groupByLength: Bool
    /// Drop a last, smaller batch (torch DataLoader drop_last).
    public let dropLast: Bool
    public let seed: UInt64

    /// - Throws: `TrainingError.invalidHyperparameter` for a batch size < 1.
    public init(lengths: [Int], batchSize: Int, shuffle: Bool = true, groupByLength: Bool = false,
                dropLast: Bool = false, seed: UInt64) throws(TrainingError) {
        guard batchSize >= 1 else {
            throw .invalidHyperparameter(name: "batch size", value: "\(batchSize)", reason: "must be ≥ 1")
        }
        self.lengths = lengths
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.groupByLength = groupByLength
        self.dropLast = dropLast
        self.seed = seed
    }

    /// Example indices of each batch of epoch `epoch` (0-based), the same for the same (seed, epoch).
    public func batches(epoch: Int) -> [[Int]] {
        let order = groupByLength ? lengthGroupedOrder(epoch: epoch) : baseOrder(epoch: epoch)
        var batches: [[Int]] = []
        var start = 0
        while start < order.count {
            let end = min(start + batchSize, order.count)
            if end - start == batchSize || !dropLast { batches.append(Array(order[start..<end])) }
            start = end
        }
        return batches
    }

    /// Number of batches per epoch.
    public var batchesPerEpoch: Int {
        dropLast ? lengths.count / batchSize : (lengths.count + batchSize - 1) / batchSize
    }

    /// A generator for `epoch`: independent streams per epoch, so any epoch can be regenerated on resume.
    private func generator(epoch: Int) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: epoch) &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: mixer.next())
    }

    private func baseOrder(epoch: Int) -> [Int] {
        var order = Array(lengths.indices)
        if shuffle {
            var rng = generator(epoch: epoch)
            rng.shuffle(&order)
        }
        return order
    }

    private func lengthGroupedOrder(epoch: Int) -> [Int] {
        let indices = baseOrder(epoch: epoch)
        guard !indices.isEmpty else { return [] }
        // mega_batch_mult = min(len(lengths) // (batch_size * 4), 50), at least 1
        let multiple = max(1, min(lengths.count / (batchSize * 4), 50))
        let size = multiple * batchSize
        var megabatches = stride(from: 0, to: indices.count, by: size).map { start in
            // sorted(megabatch, key=lambda i: lengths[i], reverse=True): stable, ties keep their order
            Array(indices[start..<min(start + size, indices.count)]).enumerated()
                .sorted { a, b in
                    lengths[a.element] != lengths[b.element] ? lengths[a.element] > lengths[b.element] : a.offset < b.offset
                }
                .map(\.element)
        }
        // The rest is to get the biggest batch first: swap the longest example into position 0.
        let maximums = megabatches.map { lengths[$0[0]] }
        var largest = 0  // torch.argmax: the first maximum
        for i in maximums.indices where maximums[i] > maximums[largest] { largest = i }
        let first = megabatches[0][0]
        megabatches[0][0] = megabatches[largest][0]
        megabatches[largest][0] = first
        return megabatches.flatMap { $0 }
    }
}
