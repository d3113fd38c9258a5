// How one decode step picks its token when a request asks for more than plain greedy: transformers' logits
// processors in their order (repetition penalty, temperature, top-k, top-p) and a draw from a counter-based
// generator keyed by (seed, step), so a sequence's choice depends only on its own logits, seed and position,
// never on the batch it runs in. Also the model's log-probabilities of the chosen token and its top alternatives.
import Foundation
import Kernels

/// Per-sequence decoding options beyond greedy. The defaults are greedy decoding.
public struct SamplingParameters: Sendable, Hashable {
    /// 0: greedy (argmax of the processed logits); > 0: sample from softmax(logits / temperature).
    public var temperature: Double
    /// Keep only the k most likely tokens (0: all).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches this mass (1: all).
    public var topP: Double
    /// transformers' repetition penalty: the logit of every token already in the decoder input (the start token
    /// included) is divided by it when positive and multiplied by it when negative (1: off).
    public var repetitionPenalty: Double
    /// Key of the step-indexed random stream.
    public var seed: UInt64
    /// Record log-probabilities with this many top alternatives per step (nil: record none).
    public var logprobs: Int?

    public init(temperature: Double = 0, topK: Int = 0, topP: Double = 1, repetitionPenalty: Double = 1,
                seed: UInt64 = 0, logprobs: Int? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
        self.logprobs = logprobs
    }

    /// True when the choice is the plain argmax of the model's logits.
    var isPlainGreedy: Bool { temperature == 0 && repetitionPenalty == 1 }
}

/// A token with its log-probability under the model.
public struct TokenLogProb: Sendable, Hashable {
    public var id: Int32
    public var logProb: Double
    public init(id: Int32, logProb: Double) {
        self.id = id
        self.logProb = logProb
    }
}

/// The log-probabilities of one decode step: the chosen token and the most likely alternatives, best first.
public struct StepLogProbs: Sendable, Hashable {
    public var chosen: TokenLogProb
    public var top: [TokenLogProb]
    public init(chosen: TokenLogProb, top: [TokenLogProb]) {
        self.chosen = chosen
        self.top = top
    }
}

/// The token choice of one step. Pure: no state besides its arguments.
public enum TokenSampler {
    /// Chooses the token of `step` from `logits` (the model's raw logits, left unchanged).
    /// - Parameters:
    ///   - history: the decoder input so far ([start] + generated), for the repetition penalty.
    ///   - step: the index of the token being chosen (0 for the first generated token).
    public static func choose(_ logits: UnsafePointer<Float>, count: Int, parameters p: SamplingParameters,
                              history: [Int32], step: Int) -> Int32 {
        if p.isPlainGreedy { return Int32(argmax(logits, count: count)) }
        var row = [Float](UnsafeBufferPointer(start: logits, count: count))
        if p.repetitionPenalty != 1 {
            let penalty = Float(p.repetitionPenalty)
            for id in Set(history) where id >= 0 && Int(id) < count {
                let value = row[Int(id)]
                row[Int(id)] = value < 0 ? value * penalty : value / penalty
            }
        }
        if p.temperature == 0 { return Int32(row.withUnsafeBufferPointer { argmax($0.baseAddress!, count: count) }) }
        let scale = 1 / p.temperature
        let maximum = Double(row.max() ?? 0)
        guard maximum.isFinite else { return Int32(argmax(logits, count: count)) }
        // Unnormalised probabilities exp((l - max) / T), in Double.
        var weights = [Double](repeating: 0, count: count)
        for i in 0..<count { weights[i] = exp((Double(row[i]) - maximum) * scale) }
        let (candidates, kept) = nucleus(weights, topK: p.topK, topP: p.topP)
        let target = uniform(seed: p.seed, step: step) * kept.reduce(0, +)
        var cumulative = 0.0
        for (index, weight) in kept.enumerated() {
            cumulative += weight
            if target < cumulative { return candidates[index] }
        }
        return candidates[candidates.count - 1]
    }

    /// The tokens sampling may draw, most likely first (ties: lower id first), with their weights: all tokens when
    /// neither cut applies (in id order), else the top-k, then the smallest prefix whose share of the remaining
    /// mass reaches `topP`. Only tokens within a factor of e^-16 of the most likely are sorted first; when they do
    /// not decide the cut, everything is, so the result is exact either way.
    public static func nucleus(_ weights: [Double], topK: Int, topP: Double) -> (ids: [Int32], weights: [Double]) {
        if topK <= 0 && topP >= 1 {
            let ids = weights.indices.filter { weights[$0] > 0 }.map { Int32($0) }
            return (ids, ids.map { weights[Int($0)] })
        }
        let total = weights.reduce(0, +)
        for threshold in [exp(-16.0), 0] {
            var ids = weights.indices.filter { weights[$0] > 0 && weights[$0] >= threshold }.map { Int32($0) }
            ids.sort { weights[Int($0)] > weights[Int($1)] || (weights[Int($0)] == weights[Int($1)] && $0 < $1) }
            var mass = total
            if topK > 0 {
                if ids.count < topK && threshold > 0 { continue }  // tokens below the threshold may be in the top-k
                if topK < ids.count { ids.removeSubrange(topK...) }
                mass = ids.reduce(0) { $0 + weights[Int($1)] }
            }
            var kept = ids.map { weights[Int($0)] }
            if topP < 1 {
                var sum = 0.0, keep = 0
                while keep < kept.count {
                    sum += kept[keep] / mass
                    keep += 1
                    if sum >= topP { break }
                }
                if sum < topP && threshold > 0 && keep == kept.count && topK <= 0 { continue }
                ids.removeSubrange(keep...)
                kept.removeSubrange(keep...)
            }
            return (ids, kept)
        }
        return ([], [])
    }

    /// Log-probabilities (log-softmax of the raw logits) of `chosen` and of the `top` most likely tokens.
    public static func logProbs(_ logits: UnsafePointer<Float>, count: Int, chosen: Int32, top: Int) -> StepLogProbs {
        let lse = Double(logSumExp(logits, count: count))
        var best: [TokenLogProb] = []
        if top > 0 {
            // A small sorted list: the vocabulary is scanned once.
            best.reserveCapacity(top + 1)
            for i in 0..<count {
                let value = Double(logits[i])
                if best.count == top, let last = best.last, value <= last.logProb { continue }
                let entry = TokenLogProb(id: Int32(i), logProb: value)
                let at = best.firstIndex { $0.logProb < value } ?? best.count
                best.insert(entry, at: at)
                if best.count > top { best.removeLast() }
            }
            for k in best.indices { best[k].logProb -= lse }
        }
        return StepLogProbs(chosen: TokenLogProb(id: chosen, logProb: Double(logits[Int(chosen)]) - lse), top: best)
    }

    /// A uniform draw in [0, 1) for (seed, step): SplitMix64's output at position `step` of the stream keyed by
    /// `seed`, computed directly from the counter.
    public static func uniform(seed: UInt64, step: Int) -> Double {
        var z = seed &+ (UInt64(truncatingIfNeeded: step) &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1330_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53
    }
}
