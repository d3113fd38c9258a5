// T5's span-corruption (denoising) objective, as transformers' examples/flax/language-modeling/run_t5_mlm_flax.py
// (FlaxDataCollatorForT5MLM: random_spans_noise_mask, create_sentinel_ids, filter_input_ids) and the T5 paper §3.1.4:
// noise density 0.15, mean span length 3; the spans alternate non-noise, noise, … starting with non-noise; the input
// keeps the non-noise tokens with one sentinel per noise span, the target is each sentinel followed by its span;
// both end with `</s>`. Sentinel k is `<extra_id_k>` (ids counting down from the top of the vocabulary). numpy's
// rounding (half to even) is kept; the shuffle is SplitMix64's, so masks are deterministic but not numpy's.

public struct SpanCorruption: Sendable, Equatable {
    /// Fraction of tokens that are noise.
    public let noiseDensity: Double
    /// Mean length of a noise span.
    public let meanNoiseSpanLength: Double

    /// - Throws: `TrainingError.invalidHyperparameter` for a density outside (0, 1) or a mean span length < 1.
    public init(noiseDensity: Double = 0.15, meanNoiseSpanLength: Double = 3) throws(TrainingError) {
        guard noiseDensity > 0 && noiseDensity < 1 else {
            throw .invalidHyperparameter(name: "noise density", value: "\(noiseDensity)", reason: "must be in (0, 1)")
        }
        guard meanNoiseSpanLength >= 1 else {
            throw .invalidHyperparameter(name: "mean noise span length", value: "\(meanNoiseSpanLength)",
                                         reason: "must be ≥ 1")
        }
        self.noiseDensity = noiseDensity
        self.meanNoiseSpanLength = meanNoiseSpanLength
    }

    /// Number of noise spans of a sequence of `length` (≥ 2) tokens: what `random_spans_noise_mask` computes.
    public func spanCount(length: Int) -> (noiseTokens: Int, spans: Int) {
        let rawNoise = Int((Double(length) * noiseDensity).rounded(.toNearestOrEven))
        let rawNonNoise = length - rawNoise
        let noise = min(max(rawNoise, 1), length - 1)
        let spans = Int((Double(min(noise, rawNonNoise)) / meanNoiseSpanLength).rounded(.toNearestOrEven))
        return (noise, max(spans, 1))
    }

    /// `random_spans_noise_mask(length)`: true marks a noise token. Needs `length ≥ 2`.
    public func noiseMask(length: Int, using generator: inout SplitMix64) -> [Bool] {
        precondition(length >= 2, "span corruption needs at least 2 tokens")
        let (noise, spans) = spanCount(length: length)
        let noiseLengths = Self.randomSegmentation(items: noise, segments: spans, using: &generator)
        let nonNoiseLengths = Self.randomSegmentation(items: length - noise, segments: spans, using: &generator)
        var mask: [Bool] = []
        mask.reserveCapacity(length)
        for (kept, dropped) in zip(nonNoiseLengths, noiseLengths) {
            mask += Array(repeating: false, count: kept) + Array(repeating: true, count: dropped)
        }
        return mask
    }

    /// `_random_segmentation`: `items` split into `segments` non-empty runs, uniformly at random. Needs
    /// 1 ≤ segments ≤ items.
    static func randomSegmentation(items: Int, segments: Int, using generator: inout SplitMix64) -> [Int] {
        // mask_indices = arange(num_items - 1) < (num_segments - 1); shuffle; a True starts a new segment.
        var starts = (0..<(items - 1)).map { $0 < segments - 1 }
        generator.shuffle(&starts)
        var lengths = [1]
        for start in starts {
            if start { lengths.append(1) } else { lengths[lengths.count - 1] += 1 }
        }
        return lengths
    }

    /// The encoder input and target of `tokens` (no `</s>`; at least 2) under `mask`: the input keeps non-noise
    /// tokens and puts sentinel k where noise span k was, the target is sentinel k + span k for each span; both end
    /// with `eos`. `sentinels[k]` is the id of `<extra_id_k>`.
    /// - Throws: `TrainingError.invalidHyperparameter` when the sequence has more spans than there are sentinels.
    public static func apply(mask: [Bool], to tokens: [Int32], sentinels: [Int32], eos: Int32)
        throws(TrainingError) -> (input: [Int32], target: [Int32]) {
        precondition(mask.count == tokens.count, "one mask entry per token")
        var input: [Int32] = [], target: [Int32] = []
        var span = -1
        for (i, token) in tokens.enumerated() {
            if mask[i] {
                if i == 0 || !mask[i - 1] {
                    span += 1
                    guard span < sentinels.count else {
                        throw .invalidHyperparameter(name: "sentinel count", value: "\(sentinels.count)",
                                                     reason: "a sequence of \(tokens.count) tokens needs more noise spans")
                    }
                    input.append(sentinels[span])
                    target.append(sentinels[span])
                }
                target.append(token)
            } else {
                input.append(token)
            }
        }
        return (input + [eos], target + [eos])
    }

    /// Corrupts `tokens` with a mask drawn from `generator`; nil for fewer than 2 tokens (nothing to corrupt).
    /// - Throws: as `apply(mask:to:sentinels:eos:)`.
    public func corrupt(_ tokens: [Int32], sentinels: [Int32], eos: Int32, using generator: inout SplitMix64)
        throws(TrainingError) -> (input: [Int32], target: [Int32])? {
        guard tokens.count >= 2 else { return nil }
        return try Self.apply(mask: noiseMask(length: tokens.count, using: &generator), to: tokens,
                              sentinels: sentinels, eos: eos)
    }

    /// Corrupts example `index` of epoch `epoch` of a run seeded with `seed`: the same triple gives the same mask,
    /// each epoch a fresh one.
    public func corrupt(_ tokens: [Int32], sentinels: [Int32], eos: Int32, seed: UInt64, epoch: Int, index: Int)
        throws(TrainingError) -> (input: [Int32], target: [Int32])? {
        var mixer = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: epoch) &* 0xD1B5_4A32_D192_ED03)
                                    ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15))
        var generator = SplitMix64(seed: mixer.next())
        return try corrupt(tokens, sentinels: sentinels, eos: eos, using: &generator)
    }
}
