// A linear weight stored in bf16 (half of fp32's bytes) and its product with fp32 activations in fp32 arithmetic:
// the bf16 small-M kernel for decode rows, and for larger M the weight widened into a per-thread fp32 buffer that
// sgemm consumes. Twin: `album_smallm_bf16_reference` in CKernels/bf16.c.
import CKernels
import Dispatch

/// A bf16 (K, N) weight.
public final class BF16Weight: @unchecked Sendable {
    public let inFeatures: Int   // K
    public let outFeatures: Int  // N
    let bits: UnsafeMutablePointer<UInt16>  // (K, N)

    /// Rounds `weight` (K, N) to bf16 (nearest, ties to even).
    public init(rounding weight: Tensor) {
        precondition(weight.rank == 2, "bf16 weight must be (K, N), got \(weight.shape)")
        inFeatures = weight.shape[0]
        outFeatures = weight.shape[1]
        bits = .allocate(capacity: max(weight.count, 1))
        album_f32_to_bf16(weight.data, bits, weight.count)
    }

    deinit { bits.deallocate() }

    public var byteCount: Int { 2 * inFeatures * outFeatures }

    /// The widened weight (K, N).
    public func widened() -> Tensor {
        let out = Tensor(uninitialized: [inFeatures, outFeatures])  // (K, N)
        album_bf16_to_f32(bits, inFeatures, outFeatures, outFeatures, out.data, outFeatures)
        return out
    }

    /// out (M, N) = alpha · x (M, K) · W + beta · out.
    public func linear(_ x: UnsafePointer<Float>, rows m: Int, into out: UnsafeMutablePointer<Float>,
                       alpha: Float = 1, beta: Float = 0, threads: Int = KernelThreads.count) {
        let (k, n) = (inFeatures, outFeatures)
        guard m > 0 && n > 0 else { return }
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
