// Training side of `RelativePositionBias` (autograd of HF T5Attention.compute_bias, an nn.Embedding lookup of the
// bucket of every (query, key) pair): the attention backward accumulates the gradient of the bias rows of each
// segment length (the layout of `vectors(length:)`); here it is scattered into the table's buckets.
// Legend: H = heads, L = segment length.
import Kernels

extension RelativePositionBias {
    var isTrainable: Bool { gradient != nil }

    /// Allocates a zero gradient (numBuckets, H) unless there is one already.
    func makeTrainable() {
        if gradient == nil { gradient = Tensor(zeros: table.shape) }
    }

    func freeze() { gradient = nil }

    /// Zeroed gradients of the bias rows for each length of `lengths`, (H, 2L − 1) each, or nil when the table is
    /// frozen (then the attention backward skips the bias).
    func rowGradients(lengths: [Int]) -> [Int: Tensor]? {
        guard isTrainable else { return nil }
        var rows: [Int: Tensor] = [:]
        for length in Set(lengths) where length > 0 { rows[length] = Tensor(zeros: [numHeads, 2 * length - 1]) }
        return rows
    }

    /// gradient[bucket(r), h] += rows[L][h, r + L − 1] for every length L and relative position r = key − query.
    func accumulate(_ rows: [Int: Tensor]) {
        guard let gradient = ShardGradients.accumulating(self, own: gradient) else { return }
        let heads = numHeads
        for length in rows.keys.sorted() {  // a fixed order, so sums reproduce across runs
            guard let vectors = rows[length] else { continue }
            let span = 2 * length - 1
            for column in 0..<span {
                let bucketRow = gradient.data + bucket(column - (length - 1)) * heads
                for h in 0..<heads { bucketRow[h] += vectors.data[h * span + column] }
            }
        }
    }
}
