// Load-time range check of an SPE module's derived values: the keys and biases folded with γ, β and 1/T must be
// finite, and no attention score s_j = norm(u)·k'_j + b_j may overflow Float, whatever the input. Since norm(u) has
// unit variance over d values, ‖norm(u)‖₂ ≤ √d, so |s_j| ≤ √d·‖k'_j‖₂ + |b_j| (Cauchy–Schwarz) bounds every score.
import Foundation

extension SPEModule {
    /// A description of the first derived value out of range, or nil when every score stays finite.
    func scoreRangeProblem() -> String? {
        let (m, d) = (candidateCount, dModel)
        // Well inside Float's range, so that adding the bias and subtracting the row maximum cannot overflow either.
        let limit = Double(Float.greatestFiniteMagnitude) / 16
        for j in 0..<m {
            let key = foldedKeys.data + j * d
            var squares = 0.0
            for i in 0..<d {
                guard key[i].isFinite else { return "the folded SPE key \(j) is not finite (temperature too small or γ too large)" }
                squares += Double(key[i]) * Double(key[i])
            }
            guard foldedBias[j].isFinite else { return "the folded SPE bias \(j) is not finite (temperature too small or β too large)" }
            let bound = Double(d).squareRoot() * squares.squareRoot() + Double(abs(foldedBias[j]))
            guard bound.isFinite && bound < limit else {
                return "SPE attention scores can reach \(bound), beyond 32-bit float range (temperature too small or weights too large)"
            }
        }
        return nil
    }
}
