// Backward of a bias-free linear layer y = x·w with Album's pre-transposed (K, N) weights (`Matmul.linear`):
// dX += dY·wᵀ and dW += xᵀ·dY as two OpenBLAS sgemm calls with transposes (torch.nn.Linear's backward, llm.c
// matmul_backward). Naive twin: `Naive.linearBackward`.
// Legend: M = rows, K = inFeatures, N = outFeatures.

/// Backward of `out (M, N) = inp (M, K) · weight (K, N)`; both gradients ADD into their buffers.
/// - Parameters:
///   - dInp: (M, K) += dOut · weightᵀ; nil skips the product (nothing upstream needs it).
///   - dWeight: (K, N) += inpᵀ · dOut; nil for a frozen weight (no GEMM runs).
///   - dOut: (M, N) gradient of the output.
///   - inp: (M, K) the forward input (read only when `dWeight` is given).
///   - weight: (K, N) the forward weight (read only when `dInp` is given).
public func linearBackward(dInp: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?,
                           dOut: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           rows m: Int, inFeatures k: Int, outFeatures n: Int) {
    precondition(m >= 0 && k >= 0 && n >= 0, "linearBackward: negative dimension")
    if let dInp {
        // dX (M, K) += dY (M, N) · Wᵀ, W stored (K, N): B = W read transposed with ldb = N.
        Matmul.gemm(m: m, n: k, k: n, a: dOut, lda: max(n, 1), transposedA: false,
                    b: weight, ldb: max(n, 1), transposedB: true, c: dInp, ldc: max(k, 1), beta: 1)
    }
    if let dWeight {
        // dW (K, N) += Xᵀ · dY: A = X (M, K) read transposed with lda = K.
        Matmul.gemm(m: k, n: n, k: m, a: inp, lda: max(k, 1), transposedA: true,
                    b: dOut, ldb: max(n, 1), transposedB: false, c: dWeight, ldc: max(n, 1), beta: 1)
    }
}
