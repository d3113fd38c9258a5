// Naive twin of CrossEntropy.swift: torch.nn.CrossEntropyLoss(ignore_index, label_smoothing, reduction="mean")
// written from its definition (targets (1−ε)·onehot + ε/V, mean over non-ignored rows), in Double.
import Foundation

extension Naive {
    /// Loss and dLogits (rows, vocab) for logits (rows, vocab) and targets (rows); 0 and zeros if all are ignored.
    public static func crossEntropy(logits: [Float], targets: [Int32], vocab: Int, ignoreIndex: Int32 = -100,
                                    labelSmoothing: Float = 0) -> (loss: Double, dLogits: [Float]) {
        let rows = targets.count, eps = Double(labelSmoothing)
        let n = targets.filter { $0 != ignoreIndex }.count
        var loss = 0.0, grad = [Float](repeating: 0, count: rows * vocab)
        guard n > 0 else { return (0, grad) }
        for r in 0..<rows where targets[r] != ignoreIndex {
            let row = Array(logits[(r * vocab)..<((r + 1) * vocab)])
            let lse = logSumExp(row)
            for j in 0..<vocab {
                let logp = Double(row[j]) - lse
                let q = (j == Int(targets[r]) ? 1 - eps : 0) + eps / Double(vocab)
                loss -= q * logp / Double(n)
                grad[r * vocab + j] = Float((Foundation.exp(logp) - q) / Double(n))
            }
        }
        return (loss, grad)
    }
}
