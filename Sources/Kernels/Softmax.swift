// Softmax family: attention softmax with an additive bias row and a valid length, log-softmax and logsumexp.
// Mirrors torch.nn.functional.softmax / log_softmax in fp32; loops in C (elementwise.c), naive twins in Reference/.
import CKernels

/// In place: row[0..<valid] = softmax(row + bias) (bias may be nil), row[valid..<total] = 0.
public func softmaxRow(_ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, valid: Int, total: Int) {
    precondition(valid >= 1 && valid <= total, "softmax needs 1 ≤ valid (\(valid)) ≤ total (\(total))")
    album_softmax_bias(row, bias, valid, total)
}

/// out (count) = log_softmax(inp); `out` may alias `inp`.
public func logSoftmax(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
    album_log_softmax(out, inp, count)
}

/// log Σ exp(row[i]), computed stably.
public func logSumExp(_ row: UnsafePointer<Float>, count: Int) -> Float {
    album_logsumexp(row, count)
}

/// Index of the first maximum of row (torch.argmax).
public func argmax(_ row: UnsafePointer<Float>, count: Int) -> Int {
    album_argmax(row, count)
}
