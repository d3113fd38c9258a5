// Backward of the attention softmax `softmaxRow` (additive bias, valid length): ds = p ⊙ (dp − Σ p·dp) on the valid
// prefix, 0 on masked positions. The gradient w.r.t. the additive bias (T5's relative position bias) is the same
// ds, so `dBias` accumulates it alongside `dInp`. torch SoftmaxBackward; loop in C (training.c).
// Legend: rows = query positions, total = key positions (row stride).
import CKernels

/// Backward of `softmaxRow` over `rows` rows; both gradients ADD into their buffers.
/// - Parameters:
///   - dInp: (rows, total) += ds, the gradient w.r.t. the scores; nil when not needed.
///   - dBias: (rows, total) += ds, the gradient w.r.t. the additive bias; nil when there is none or it is frozen.
///   - dOut: (rows, total) gradient w.r.t. the probabilities (entries past a row's valid length are ignored).
///   - probs: (rows, total) the forward output (zeros past each valid length).
///   - valid: (rows) valid length of each row, 1…total; nil means every row is fully valid.
public func softmaxBackward(dInp: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
                            dOut: UnsafePointer<Float>, probs: UnsafePointer<Float>, valid: UnsafePointer<Int>?,
                            rows: Int, total: Int) {
    precondition(rows >= 0 && total >= 1, "softmaxBackward: bad shape (\(rows), \(total))")
    if let valid {
        for r in 0..<rows {
            precondition(valid[r] >= 1 && valid[r] <= total, "softmaxBackward: valid[\(r)] = \(valid[r]) not in 1…\(total)")
        }
    }
    album_softmax_backward(dInp, dBias, dOut, probs, valid, rows, total)
}

/// Backward of one `softmaxRow(row, bias:, valid:, total:)`: dInp and dBias (total) each += ds (either nil).
/// - Parameters: dOut, probs: (total).
public func softmaxRowBackward(dInp: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
                               dOut: UnsafePointer<Float>, probs: UnsafePointer<Float>, valid: Int, total: Int) {
    precondition(valid >= 1 && valid <= total, "softmaxRowBackward needs 1 ≤ valid (\(valid)) ≤ total (\(total))")
    withUnsafePointer(to: valid) { album_softmax_backward(dInp, dBias, dOut, probs, $0, 1, total) }
}
