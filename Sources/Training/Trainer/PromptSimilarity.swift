// SPoT task similarity between two prompts (Vu et al. 2022 §3.2, spec §5): the cosine of the average rows, and the
// per-token average cosine over all L1×L2 row pairs; and the top-k weighted-average initialisation (§3.3) that drops
// candidates whose similarity is ≤ 0 before normalising (spec §9 #16).
import Kernels

public enum PromptSimilarity {
    public enum Metric: String, Sendable, CaseIterable {
        /// cos(mean rows of e1, mean rows of e2).
        case averageCosine = "average-cosine"
        /// (1/(L1·L2)) Σ_i Σ_j cos(e1_i, e2_j).
        case perTokenCosine = "per-token-cosine"
    }

    public static func similarity(_ a: Tensor, _ b: Tensor, metric: Metric) -> Double {
        let d = a.shape[1]
        switch metric {
        case .averageCosine:
            return cosine(mean(a), mean(b))
        case .perTokenCosine:
            let (la, lb) = (a.shape[0], b.shape[0])
            var sum = 0.0
            for i in 0..<la {
                let x = Array(UnsafeBufferPointer(start: a.data + i * d, count: d)).map(Double.init)
                for j in 0..<lb {
                    sum += cosine(x, Array(UnsafeBufferPointer(start: b.data + j * d, count: d)).map(Double.init))
                }
            }
            return sum / Double(la * lb)
        }
    }

    /// Σ_r α_r ρ_r over the k most similar candidates with positive similarity, α_r = sim_r / Σ sim.
    /// - Returns: nil when no candidate among the top k has a positive similarity.
    public static func weightedAverage(_ candidates: [(prompt: Tensor, similarity: Double)], k: Int) -> Tensor? {
        let top = candidates.sorted { $0.similarity > $1.similarity }.prefix(k).filter { $0.similarity > 0 }
        guard let first = top.first else { return nil }
        let total = top.reduce(0) { $0 + $1.similarity }
        let out = Tensor(zeros: first.prompt.shape)
        for candidate in top {
            let weight = Float(candidate.similarity / total)
            for i in 0..<out.count { out.data[i] += weight * candidate.prompt.data[i] }
        }
        return out
    }

    static func mean(_ t: Tensor) -> [Double] {
        let (l, d) = (t.shape[0], t.shape[1])
        var out = [Double](repeating: 0, count: d)
        for i in 0..<l { for j in 0..<d { out[j] += Double(t.data[i * d + j]) } }
        return out.map { $0 / Double(l) }
    }

    static func cosine(_ x: [Double], _ y: [Double]) -> Double {
        var dot = 0.0, nx = 0.0, ny = 0.0
        for (a, b) in zip(x, y) { dot += a * b; nx += a * a; ny += b * b }
        guard nx > 0, ny > 0 else { return 0 }
        return dot / (nx.squareRoot() * ny.squareRoot())
    }
}
