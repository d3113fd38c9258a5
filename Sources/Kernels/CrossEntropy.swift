// Token cross-entropy over rows of logits, fused with its gradient: torch.nn.CrossEntropyLoss(ignore_index=-100,
// reduction="mean", label_smoothing=ε) as transformers' seq2seq models use it. Loss in Double; numerically stable
// log-softmax per row in C (training.c); naive twin Naive.crossEntropy.
// Legend: rows = target tokens, vocab = classes (V).
import CKernels

/// Mean token cross-entropy of `logits` against `targets`, optionally writing its gradient.
///
/// torch (LossNLL.cpp, cross_entropy_loss_label_smoothing), with N the number of targets ≠ `ignoreIndex`:
/// loss = (1 − ε) · Σ −log p[t] / N + (ε / V) · Σ_rows Σ_j −log p[j] / N.
/// dLogits row = (p − ε/V − (1 − ε)·onehot(t)) / N; rows whose target is ignored get zeros.
/// Deviation: torch returns NaN (0/0) when every target is ignored; this returns 0 and zero gradients.
/// - Parameters:
///   - dLogits: (rows, vocab) written (not accumulated) when not nil; may alias `logits`.
///   - logits: (rows, vocab).
///   - targets: (rows) class ids in 0..<vocab, or `ignoreIndex`.
///   - labelSmoothing: ε in [0, 1].
///   - normalizer: divisor instead of N (e.g. the token count of a whole batch split into several calls, for
///     gradient accumulation); nil means N.
/// - Returns: the loss (Double).
public func crossEntropy(dLogits: UnsafeMutablePointer<Float>?, logits: UnsafePointer<Float>, targets: [Int32],
                         rows: Int, vocab: Int, ignoreIndex: Int32 = -100, labelSmoothing: Float = 0,
                         normalizer: Int? = nil) -> Double {
    precondition(targets.count == rows && vocab >= 1, "crossEntropy: \(targets.count) targets for \(rows) rows")
    precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: label smoothing \(labelSmoothing)")
    let counted = targets.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
    let divisor = normalizer ?? counted
    precondition(divisor >= 0, "crossEntropy: negative normalizer")
    guard divisor > 0 else {
        dLogits?.update(repeating: 0, count: rows * vocab)
        return 0
    }
    let scale = Float(1 / Double(divisor))
    var nllSum = 0.0, smoothSum = 0.0
    for r in 0..<rows {
        let target = targets[r]
        let rowGrad = dLogits.map { $0 + r * vocab }
        if target == ignoreIndex {
            rowGrad?.update(repeating: 0, count: vocab)
            continue
        }
        precondition(target >= 0 && Int(target) < vocab, "crossEntropy: target \(target) of row \(r) outside 0..<\(vocab)")
        var nll = 0.0, smooth = 0.0
        album_cross_entropy_row(rowGrad, logits + r * vocab, vocab, Int(target), labelSmoothing, scale, &nll, &smooth)
        nllSum += nll
        smoothSum += smooth
    }
    // return (1 - label_smoothing) * nllloss + ret * (label_smoothing / n_classes)
    let epsilon = Double(labelSmoothing)
    return (1 - epsilon) * (nllSum / Double(divisor)) + (smoothSum / Double(divisor)) * (epsilon / Double(vocab))
}
