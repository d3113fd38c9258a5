// General row-major sgemm with both operands optionally transposed, for the backward products of a linear layer
// (dX = dY·Wᵀ, dW = Xᵀ·dY) and of attention (dQ = dS·K, dK = dSᵀ·Q, dV = Pᵀ·dO). Wraps cblas_sgemm like
// `Matmul.gemm`, which it extends with `transposedA`.
// Legend: M = rows of C, N = columns of C, K = reduction dimension.
import CBLAS

extension Matmul {
    /// C (M, N) = alpha · op(A) · op(B) + beta · C, row-major with explicit leading dimensions.
    /// - Parameters:
    ///   - a: `transposedA == false`: A is (M, K), `lda` ≥ K; true: A is (K, M), `lda` ≥ M.
    ///   - b: `transposedB == false`: B is (K, N), `ldb` ≥ N; true: B is (N, K), `ldb` ≥ K.
    ///   - c: (M, N), `ldc` ≥ N. `beta == 1` accumulates (the backward convention), 0 overwrites.
    public static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposedA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposedB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative dimension")
        precondition(lda >= max(1, transposedA ? m : k) && ldb >= max(1, transposedB ? k : n) && ldc >= max(1, n),
                     "gemm: leading dimension too small")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C · beta; make the empty product explicit so beta = 0 clears C.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_sgemm(CblasRowMajor, transposedA ? CblasTrans : CblasNoTrans, transposedB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
