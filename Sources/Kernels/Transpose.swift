// Out-of-place 2-D transpose in cache-sized tiles, used at load time to lay a (N, K) table out as (K, N) for
// `Matmul.linear` (the tied LM head). Equivalent to torch's `t().contiguous()`.
extension Tensor {
    /// A new (columns, rows) tensor holding the transpose of this (rows, columns) one.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a 2-D tensor, got \(shape)")
        let rows = shape[0], columns = shape[1], tile = 64
        let out = Tensor(uninitialized: [columns, rows])
        let src = data, dst = out.data
        for r0 in stride(from: 0, to: rows, by: tile) {
            for c0 in stride(from: 0, to: columns, by: tile) {
                for r in r0..<min(r0 + tile, rows) {
                    for c in c0..<min(c0 + tile, columns) { dst[c * rows + r] = src[r * columns + c] }  // (C, R) ← (R, C)
                }
            }
        }
        return out
    }
}
