// A data-parallel training step on one machine: the batch splits into contiguous shards of about equal token count,
// and each shard runs the recording forward and the backward on its own thread with single-threaded GEMMs (two
// independent GEMM streams beat one OpenBLAS call split over two threads on these shapes, and every element-wise
// pass — dropout, softmax, norms — then runs in parallel too). Each shard draws the whole batch's dropout masks
// (TrainingPass.Placement) and divides by the whole batch's target-token count, so the step equals the unsharded one.
// Trainable weights: the first shard accumulates into their own gradients, every other shard into buffers of its
// own (ShardGradients), added into the gradients in shard order afterwards.
import Dispatch
import Kernels

extension T5Model {
    /// `lossAndGradients(batch:options:)` on up to `threads` shards run side by side. The loss is the sum of the
    /// shards' parts (each already divided by the whole batch's token count) and each example's prompt gradient is
    /// computed by one shard, so the result matches the unsharded call up to float summation order (inside GEMMs,
    /// and for trainable weights the order in which the shards' sums are added). With fewer than two examples or
    /// `threads` ≤ 1 this is the unsharded call, and GEMMs use `BLAS.threads`.
    /// - Throws: as `lossAndGradients(batch:options:)`.
    public func lossAndGradients(batch: [TrainingExample], options: TrainingOptions, threads: Int)
        throws(T5Error) -> TrainingLoss {
        try validate(batch: batch, options: options)
        let counted = batch.reduce(0) { sum, example in
            sum + example.labels.reduce(0) { $0 + ($1 == TrainingExample.ignoredLabel ? 0 : 1) }
        }
        let shards = Self.shardRanges(lengths: batch.map { $0.input.length + $0.labels.count },
                                      count: min(threads, batch.count))
        guard shards.count > 1, (options.lossNormalizer ?? counted) > 0 else {
            return lossAndGradients(validated: batch, options: options, placement: TrainingPass.Placement())
        }
        let shardOptions = TrainingOptions(dropout: options.dropout, seed: options.seed, step: options.step,
                                           labelSmoothing: options.labelSmoothing,
                                           lossNormalizer: options.lossNormalizer ?? counted)
        let parts = LockedValue<[Int: TrainingLoss]>([:])
        let trainable = trainableGradients
        // Buffers for shards 1…; shard 0 has the weights' own gradients to itself.
        let sinks = trainable.isEmpty ? [] : shards.dropFirst().map { _ in ShardGradients(shapesOf: trainable) }
        let savedThreads = BLAS.openBLASThreads
        BLAS.threads = 1
        defer { BLAS.threads = savedThreads }
        DispatchQueue.concurrentPerform(iterations: shards.count) { shard in
            let range = shards[shard]
            let placement = TrainingPass.Placement(after: batch[..<range.lowerBound].map {
                (input: $0.input.length, target: $0.labels.count)
            })
            let run = { self.lossAndGradients(validated: Array(batch[range]), options: shardOptions, placement: placement) }
            let part = shard == 0 || sinks.isEmpty ? run() : sinks[shard - 1].collecting(run)
            parts.withLock { $0[shard] = part }
        }
        for (owner, gradient) in trainable {  // shards 1…'s sums, added in shard order
            for sink in sinks {
                guard let buffer = sink.buffer(of: owner) else { continue }
                addInPlace(gradient.data, buffer.data, count: gradient.count)
            }
        }
        let ordered = parts.withLock { all in (0..<shards.count).map { all[$0]! } }
        return TrainingLoss(loss: ordered.reduce(0) { $0 + $1.loss }, targetTokens: counted,
                            promptGradients: ordered.flatMap(\.promptGradients))
    }

    /// Up to `count` non-empty contiguous ranges of `lengths`' indices whose sums are as even as a greedy cut makes
    /// them: range k ends at the first index where the running sum reaches (k + 1)/count of the total.
    static func shardRanges(lengths: [Int], count requested: Int) -> [Range<Int>] {
        let count = min(requested, lengths.count)
        guard count > 1, lengths.count > 1 else { return lengths.isEmpty ? [] : [0..<lengths.count] }
        let total = max(lengths.reduce(0, +), 1)
        var ranges: [Range<Int>] = [], start = 0, running = 0
        for (index, length) in lengths.enumerated() {
            running += length
            let remainingItems = lengths.count - index - 1, remainingRanges = count - ranges.count - 1
            let reached = running * count >= total * (ranges.count + 1)
            if remainingRanges > 0 && remainingItems >= remainingRanges && (reached || remainingItems == remainingRanges) {
                ranges.append(start..<(index + 1))
                start = index + 1
            }
        }
        ranges.append(start..<lengths.count)
        return ranges.filter { !$0.isEmpty }
    }
}
