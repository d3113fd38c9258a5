// A linear weight stored in bf16 (half of fp32's bytes) and its product. On CPUs with AVX-512 BF16 the weight is
// packed for vdpbf16ps and computed in bf16 (activations rounded to bf16, fp32 sums; CKernels/bf16dot.c, twin
// `album_bf16dot_reference`). Elsewhere it stays row-major and is widened to fp32: the bf16 small-M kernel for decode
// rows, and for larger M a per-thread fp32 copy that sgemm consumes (twin `album_smallm_bf16_reference`).
import CKernels
import Dispatch

/// A bf16 (K, N) weight.
public final class BF16Weight: @unchecked Sendable {
    public let inFeatures: Int   // K
    public let outFeatures: Int  // N
    /// How the bits are laid out, and so how the product is computed.
    public enum Layout: Sendable {
        /// (K, N) row-major, widened to fp32 for the product (any CPU).
        case rowMajor
        /// vdpbf16ps panels (`album_bf16_pack`), computed in bf16 (CPUs with AVX-512 BF16 only).
        case pairedPanels

        /// pairedPanels where the CPU computes in bf16, else rowMajor.
        public static var preferred: Layout { album_bf16dot_supported() != 0 ? .pairedPanels : .rowMajor }
        /// True when this CPU can use `layout`.
        public static func isSupported(_ layout: Layout) -> Bool { layout == .rowMajor || album_bf16dot_supported() != 0 }
    }

    public let layout: Layout
    let bits: UnsafeMutablePointer<UInt16>  // (K, N) row-major, or the packed panels
    let count: Int                          // UInt16s in `bits`

    /// Rounds `weight` (K, N) to bf16 (nearest, ties to even), stored in `layout`; a layout this CPU cannot compute
    /// falls back to row-major.
    public init(rounding weight: Tensor, layout: Layout = .preferred) {
        precondition(weight.rank == 2, "bf16 weight must be (K, N), got \(weight.shape)")
        inFeatures = weight.shape[0]
        outFeatures = weight.shape[1]
        self.layout = Layout.isSupported(layout) ? layout : .rowMajor
        switch self.layout {
        case .rowMajor:
            count = weight.count
            bits = .allocate(capacity: max(count, 1))
            album_f32_to_bf16(weight.data, bits, count)
        case .pairedPanels:
            count = album_bf16_packed_count(inFeatures, outFeatures)
            bits = .allocate(capacity: max(count, 1))
            album_bf16_pack(weight.data, inFeatures, outFeatures, bits)
        }
    }

    deinit { bits.deallocate() }

    public var byteCount: Int { 2 * count }

    /// The widened weight (K, N).
    public func widened() -> Tensor {
        let out = Tensor(uninitialized: [inFeatures, outFeatures])  // (K, N)
        switch layout {
        case .rowMajor: album_bf16_to_f32(bits, inFeatures, outFeatures, outFeatures, out.data, outFeatures)
        case .pairedPanels: album_bf16_unpack(bits, inFeatures, outFeatures, out.data)
        }
        return out
    }

    /// out (M, N) = alpha · x (M, K) · W + beta · out.
    public func linear(_ x: UnsafePointer<Float>, rows m: Int, into out: UnsafeMutablePointer<Float>,
                       alpha: Float = 1, beta: Float = 0, threads: Int = KernelThreads.count) {
        let (k, n) = (inFeatures, outFeatures)
        guard m > 0 && n > 0 else { return }
        if layout == .pairedPanels {
            pairedLinear(x, rows: m, into: out, alpha: alpha, beta: beta, threads: threads)
            return
        }
        if m <= max(Matmul.smallRows, Matmul.gemvRows) {
            smallM(x, rows: m, into: out, alpha: alpha, beta: beta, threads: threads)
            return
        }
        // Widen the whole weight once per call (threads split its rows), then one sgemm: the widening costs
        // K·N·6 bytes of traffic, which a batch of M rows amortizes (measured: panels of ≤ 256 columns made sgemm
        // itself slower than that).
        guard let scratch = album_thread_scratch(3, k * n * MemoryLayout<Float>.stride) else {
            album_smallm_bf16(m, n, k, x, k, bits, n, out, n, alpha, beta)
            return
        }
        let wide = scratch.assumingMemoryBound(to: Float.self)  // (K, N)
        let parts = max(1, min(threads, k / 64))
        let rowsPerPart = (k + parts - 1) / parts
        let wideBits = Int(bitPattern: wide), sourceBits = Int(bitPattern: bits)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let first = part * rowsPerPart, rows = min(rowsPerPart, k - first)
            guard rows > 0 else { return }
            album_bf16_to_f32(UnsafePointer<UInt16>(bitPattern: sourceBits)! + first * n, rows, n, n,
                              UnsafeMutablePointer<Float>(bitPattern: wideBits)! + first * n, n)
        }
        Matmul.gemm(m: m, n: n, k: k, a: x, lda: k, b: wide, ldb: n, c: out, ldc: n, alpha: alpha, beta: beta)
    }

    /// The bf16 product: x rounded to bf16 once (rows of ceil(K/2) pairs), then each column slice (64-column
    /// boundaries are panel boundaries) runs the vdpbf16ps kernel over every row.
    private func pairedLinear(_ x: UnsafePointer<Float>, rows m: Int, into out: UnsafeMutablePointer<Float>,
                              alpha: Float, beta: Float, threads: Int) {
        let (k, n) = (inFeatures, outFeatures)
        let pairs = (k + 1) / 2
        let panel = 2 * 32 * pairs  // UInt16s per 32-column panel
        guard let scratch = album_thread_scratch(3, m * pairs * MemoryLayout<UInt32>.stride) else {
            // Out of memory for the rounded rows: one row at a time (the same bits; a row never depends on the others).
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 2 * pairs) { row in
                for i in 0..<m {
                    album_bf16_round_rows(x + i * k, 1, k, k, row.baseAddress!)
                    _ = album_bf16dot_gemm(1, n, k, row.baseAddress!, bits, out + i * n, n, alpha, beta)
                }
            }
            return
        }
        let rounded = scratch.assumingMemoryBound(to: UInt16.self)  // (M, 2·pairs)
        album_bf16_round_rows(x, m, k, k, rounded)
        ColumnSlices.forEach(n, weights: k * n, threads: threads) { columns in
            _ = album_bf16dot_gemm(m, columns.count, k, rounded, bits + columns.lowerBound / 32 * panel,
                                   out + columns.lowerBound, n, alpha, beta)
        }
    }

    /// The streaming kernel, split in column slices over `threads` (`ColumnSlices`: same bits whatever the split).
    private func smallM(_ x: UnsafePointer<Float>, rows m: Int, into out: UnsafeMutablePointer<Float>,
                        alpha: Float, beta: Float, threads: Int) {
        let (k, n) = (inFeatures, outFeatures)
        ColumnSlices.forEach(n, weights: k * n, threads: threads) { columns in
            album_smallm_bf16(m, columns.count, k, x, k, bits + columns.lowerBound, n, out + columns.lowerBound, n,
                              alpha, beta)
        }
    }
}
