// The tolerances Album's parity tests name. `contract` is the documented promise (README, "Exactness"); `tight` is
// what the float64 goldens of the fixture scripts support, so that a regression far inside the contract still fails
// a test. The observed maxima noted below are Album's float32 errors against those goldens; PyTorch's own float32
// forward pass shows the same size of error against them.
public struct Tolerance: Sendable, CustomStringConvertible {
    /// |got - expected| ≤ maxAbs·scale + rel·|expected|, where scale = max(1, max |expected|) over the whole tensor
    /// when `scaled` (activations: one bound per layer, llm.c / design guide "1e-5·scale"), else 1.
    public let maxAbs: Double
    public let rel: Double
    public let scaled: Bool

    public init(maxAbs: Double = 0, rel: Double = 0, scaled: Bool = false) {
        self.maxAbs = maxAbs
        self.rel = rel
        self.scaled = scaled
    }

    /// The absolute bound for a tensor whose values are `expected`.
    public func absoluteBound<T: BinaryFloatingPoint>(for expected: [T]) -> Double {
        guard scaled else { return maxAbs }
        return maxAbs * max(1, expected.lazy.map { abs(Double($0)) }.max() ?? 0)
    }

    public func accepts(_ got: Double, _ expected: Double) -> Bool { abs(got - expected) <= maxAbs + rel * abs(expected) }

    public var description: String {
        var parts: [String] = []
        if maxAbs > 0 { parts.append(scaled ? "maxAbs \(maxAbs)·scale" : "maxAbs \(maxAbs)") }
        if rel > 0 { parts.append("rel \(rel)") }
        return parts.joined(separator: " + ")
    }

    /// Summed log-likelihoods: the documented contract, 1e-4 relative, with a 1e-5 absolute floor for near-certain
    /// targets: a log-likelihood near 0 is a difference of logits of magnitude ~10, whose float32 rounding (an ulp is
    /// ~1e-6 there) no float32 implementation, PyTorch's included, gets below.
    public static let logLikelihoodContract = Tolerance(maxAbs: 1e-5, rel: 1e-4)
    /// Log-likelihoods, tight: observed at most 8.1e-7 relative on the tiny T5 fixtures (bf16_sharded; PyTorch
    /// float32 reaches 6.6e-7 on v11_gated_untied), 9e-8 on the prompt fixtures; on the trained demo model, whose
    /// labels are near-certain (log-likelihoods of -0.001), at most 9.6e-7 absolute: hence the 2e-6 floor.
    public static let logLikelihoodTight = Tolerance(maxAbs: 2e-6, rel: 4e-6)
    /// Per-layer hidden states and logits, contract: 1e-5 of the tensor's scale.
    public static let hiddenContract = Tolerance(maxAbs: 1e-5, scaled: true)
    /// Hidden states, tight: observed at most 1.8e-6·scale (bf16_sharded decoder.final; PyTorch float32 1.5e-6).
    public static let hiddenTight = Tolerance(maxAbs: 4e-6, scaled: true)
}
