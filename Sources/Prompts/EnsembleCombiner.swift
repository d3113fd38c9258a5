// Combines an ensemble's per-member label scores into one answer (pure; the engine and `album eval` share it).
// Input: for each of K members, the summed log-probability of each of C candidates. Output: the chosen candidate,
// the combined per-candidate score (the members' mean log-probability) and each member's own argmax.

/// The combined answer of K members over C candidates.
public struct EnsembleDecision: Sendable, Equatable {
    /// Index of the chosen candidate.
    public var best: Int
    /// Per candidate: the mean over members of its log-probability (its argmax is `sum-logprobs`' choice).
    public var scores: [Double]
    /// Per member: the index of its own best candidate (the first on ties).
    public var votes: [Int]
}

public enum EnsembleCombiner {
    /// Combines `memberScores` (K × C, every row the same length C ≥ 1, K ≥ 1) as `combine` says.
    /// `vote`: the candidate most members chose; among tied candidates the highest summed log-probability, then the
    /// first. `sum-logprobs`: the highest summed log-probability, the first on ties.
    public static func combine(_ memberScores: [[Double]], _ combine: EnsembleCombine) -> EnsembleDecision {
        let first = memberScores.first ?? []
        let count = first.count
        // The mean as first + Σ (row − first) / K: the same order as the sum, and identical members give exactly
        // the single prompt's scores.
        let k = Double(max(memberScores.count, 1))
        var means = first
        for row in memberScores.dropFirst() { for c in 0..<min(count, row.count) { means[c] += (row[c] - first[c]) / k } }
        let votes = memberScores.map { argmax($0) }
        let best: Int
        switch combine {
        case .sumLogprobs:
            best = argmax(means)
        case .vote:
            var tally = [Int](repeating: 0, count: count)
            for vote in votes where vote < count { tally[vote] += 1 }
            let most = tally.max() ?? 0
            var choice = 0
            for c in 0..<count where tally[c] == most && (tally[choice] != most || means[c] > means[choice]) { choice = c }
            best = choice
        }
        return EnsembleDecision(best: best, scores: means, votes: votes)
    }

    /// Index of the largest value, the first on ties (0 for an empty array).
    static func argmax(_ values: [Double]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
