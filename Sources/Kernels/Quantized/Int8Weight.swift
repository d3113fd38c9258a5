// A linear weight quantized to int8 per output channel (symmetric), and its product with fp32 activations that are
// quantized per row on the fly over the row's own range, with a zero point z_x per row:
// y = alpha · (s_x · s_w) ∘ ((q_x − z_x) · q_w) + beta · y (CTranslate2's scheme, asymmetric activations so that a
// ReLU output uses every code). The integer product runs in oneDNN, one thread per column slice (exact integers, so
// any split gives the same result), and the dequantization moves each row to its zero point.
// Twin: `album_int8_gemm_reference` in CKernels/quantized.c.
import CKernels

/// An int8 (K, N) weight with per-column scales.
public final class Int8Weight: @unchecked Sendable {
    public let inFeatures: Int   // K
    public let outFeatures: Int  // N
    /// Activation codes run 0...2·activationMaxCode + 1: 0...255 with 127, or 0...127 with 63 on CPUs without
    /// AVX-512 VNNI, where `vpmaddubsw` would saturate int16 on a pair of u8·s8 products (255 · 127 · 2 > 32767;
    /// 127 · 127 · 2 is not). Weights keep 8 bits either way: measured on the demo, 7-bit weights lost 5% of the
    /// greedy tokens, 7-bit activations keep the agreement targets.
    public let activationMaxCode: Int
    /// (K, N) codes, (N) scales and (N) column sums Σ_k q (each row's zero point times these is taken off its
    /// products when dequantizing).
    let codes: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let columnSums: UnsafeMutablePointer<Int32>

    /// Quantizes `weight` (K, N).
    public init(quantizing weight: Tensor, activationMaxCode: Int = Int8Weight.defaultActivationMaxCode) {
        precondition(weight.rank == 2 && (1...127).contains(activationMaxCode), "int8 weight must be (K, N), got \(weight.shape)")
        let (k, n) = (weight.shape[0], weight.shape[1])
        inFeatures = k
        outFeatures = n
        self.activationMaxCode = activationMaxCode
        codes = .allocate(capacity: max(k * n, 1))
        scales = .allocate(capacity: max(n, 1))
        columnSums = .allocate(capacity: max(n, 1))
        album_quantize_weight_s8(weight.data, k, n, 127, codes, scales, columnSums)
    }

    deinit {
        codes.deallocate()
        scales.deallocate()
        columnSums.deallocate()
    }

    /// 127 where the CPU has AVX-512 VNNI, else 63 (see `activationMaxCode`).
    public static let defaultActivationMaxCode = album_int8_has_vnni() != 0 ? 127 : 63

    /// Bytes held (codes, scales, column sums).
    public var byteCount: Int { inFeatures * outFeatures + 8 * outFeatures }

    /// The dequantized weight (K, N) = codes · scale (for inspection and tests).
    public func dequantized() -> Tensor {
        let out = Tensor(uninitialized: [inFeatures, outFeatures])  // (K, N)
        for p in 0..<inFeatures {
            for j in 0..<outFeatures { out.data[p * outFeatures + j] = Float(codes[p * outFeatures + j]) * scales[j] }
        }
        return out
    }

    /// Rows per pass: bounds the per-thread scratch (12.6 MB of int32 products for t5-base's 3072-wide FFN) without
    /// changing any result, since every row is quantized, multiplied and dequantized on its own. Measured: passes
    /// of 256 rows ran oneDNN at 385 GOP/s against 646 for one pass of 912 rows, so passes stay large.
    static let rowsPerPass = 1024

    /// out (M, N) = alpha · x (M, K) · W + beta · out, x quantized per row.
    public func linear(_ x: UnsafePointer<Float>, rows m: Int, into out: UnsafeMutablePointer<Float>,
                       alpha: Float = 1, beta: Float = 0, threads: Int = KernelThreads.count) {
        let (k, n) = (inFeatures, outFeatures)
        guard m > 0 && n > 0 else { return }
        let chunk = min(m, Self.rowsPerPass)
        guard let codeBytes = album_thread_scratch(0, chunk * k),
              let scaleBytes = album_thread_scratch(1, chunk * MemoryLayout<Float>.stride),
              let productBytes = album_thread_scratch(2, chunk * n * MemoryLayout<Int32>.stride),
              let zeroBytes = album_thread_scratch(5, chunk * MemoryLayout<Int32>.stride) else {
            return linearUnbuffered(x, rows: m, into: out, alpha: alpha, beta: beta)
        }
        let quantized = codeBytes.assumingMemoryBound(to: UInt8.self)      // (chunk, K) codes
        let rowScales = scaleBytes.assumingMemoryBound(to: Float.self)     // (chunk)
        let rowZeros = zeroBytes.assumingMemoryBound(to: Int32.self)       // (chunk)
        let products = productBytes.assumingMemoryBound(to: Int32.self)    // (chunk, N)
        var first = 0
        while first < m {
            let rows = min(chunk, m - first)
            album_quantize_rows_u8(x + first * k, rows, k, k, Int32(activationMaxCode), quantized, rowScales, rowZeros)
            integerProducts(rows: rows, a: quantized, c: products, threads: threads)
            album_dequantize_rows(products, rows, n, n, rowScales, rowZeros, scales, columnSums,
                                  alpha, beta, out + first * n, n)
            first += rows
        }
    }

    /// The same product with heap buffers (when thread scratch cannot grow).
    private func linearUnbuffered(_ x: UnsafePointer<Float>, rows m: Int, into out: UnsafeMutablePointer<Float>,
                                  alpha: Float, beta: Float) {
        let (k, n) = (inFeatures, outFeatures)
        let quantized = UnsafeMutablePointer<UInt8>.allocate(capacity: m * k)  // (M, K)
        let rowScales = UnsafeMutablePointer<Float>.allocate(capacity: m)       // (M)
        let rowZeros = UnsafeMutablePointer<Int32>.allocate(capacity: m)        // (M)
        let products = UnsafeMutablePointer<Int32>.allocate(capacity: m * n)    // (M, N)
        defer { quantized.deallocate(); rowScales.deallocate(); rowZeros.deallocate(); products.deallocate() }
        album_quantize_rows_u8(x, m, k, k, Int32(activationMaxCode), quantized, rowScales, rowZeros)
        integerProducts(rows: m, a: quantized, c: products, threads: 1)
        album_dequantize_rows(products, m, n, n, rowScales, rowZeros, scales, columnSums, alpha, beta,
                              out, n)
    }

    /// c (rows, N) = a · codes, in column slices over `threads` (`ColumnSlices`; exact integers).
    private func integerProducts(rows m: Int, a: UnsafePointer<UInt8>, c: UnsafeMutablePointer<Int32>, threads: Int) {
        ColumnSlices.forEach(outFeatures, weights: inFeatures * outFeatures, threads: threads) { columns in
            integerProduct(m: m, columns: columns, a: a, c: c)
        }
    }

    /// c[:, columns] = a · codes[:, columns] (oneDNN; its naive twin if oneDNN refuses).
    private func integerProduct(m: Int, columns: Range<Int>, a: UnsafePointer<UInt8>, c: UnsafeMutablePointer<Int32>) {
        let (k, n) = (inFeatures, outFeatures), j = columns.lowerBound
        let status = album_int8_gemm(m, columns.count, k, a, k, codes + j, n, c + j, n)
        if status != 0 {
            album_int8_gemm_reference(m, columns.count, k, a, k, codes + j, n, c + j, n)
        }
    }
}
