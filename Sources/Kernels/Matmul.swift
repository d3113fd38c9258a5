// Row-major matrix products over OpenBLAS (cblas_sgemm / cblas_sgemv), the only place Album calls BLAS.
// Weights are stored pre-transposed as (K, N) at load time (performance notes §1.2), so the common product is
// C (M, N) = A (M, K) · B (K, N) with no transposes; `transposedB` covers (N, K) tables such as the LM head.
// Legend: M = rows of the activation, K = reduction dimension, N = output features.
import CBLAS

public enum Matmul {
    /// C (M, N) = alpha · A (M, K) · op(B) + beta · C, row-major with explicit leading dimensions.
    /// - Parameters:
    ///   - transposedB: false: B is (K, N) with leading dimension `ldb` ≥ N; true: B is (N, K) with `ldb` ≥ K.
    ///   - beta: 1 accumulates into C (fused residual add), 0 overwrites it.
    public static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposedB: Bool = false,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposedB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y (N) = alpha · op(A) · x + beta · y. `transposed == false`: A is (N, K) row-major, x has K entries;
    /// `transposed == true`: A is (K, N) row-major (a pre-transposed weight), x has K entries.
    public static func gemv(
        rows: Int, columns: Int, a: UnsafePointer<Float>, lda: Int, transposed: Bool,
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
    ) {
        guard rows > 0, columns > 0 else { return }
        cblas_sgemv(CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns),
                    alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// Rows up to which products run as one sgemv per row: sgemm packs B on every call and is 2.5-4x slower
    /// than sgemv at M = 1, still slower than two sgemv calls at M = 2 (perf notes §1.3). Per-row sgemv also
    /// makes a decode row's result independent of the batch it runs in.
    public static let gemvRows = 2

    /// out (M, N) = alpha · x (M, K) · w (K, N) + beta · out for a pre-transposed weight `w` of shape (K, N).
    public static func linear(
        _ x: UnsafePointer<Float>, rows m: Int, weight w: Tensor,
        into out: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
    ) {
        precondition(w.rank == 2, "linear weight must be (K, N), got \(w.shape)")
        let k = w.shape[0], n = w.shape[1]
        if m <= gemvRows {
            for r in 0..<m {
                gemv(rows: k, columns: n, a: w.data, lda: n, transposed: true, x: x + r * k, y: out + r * n,
                     alpha: alpha, beta: beta)
            }
        } else {
            gemm(m: m, n: n, k: k, a: x, lda: k, b: w.data, ldb: n, c: out, ldc: n, alpha: alpha, beta: beta)
        }
    }

    /// out (M, N) = alpha · x (M, K) · tableᵀ for a (N, K) table (an embedding used as the LM head).
    public static func linearTransposed(
        _ x: UnsafePointer<Float>, rows m: Int, table: Tensor,
        into out: UnsafeMutablePointer<Float>, alpha: Float = 1
    ) {
        precondition(table.rank == 2, "table must be (N, K), got \(table.shape)")
        let n = table.shape[0], k = table.shape[1]
        if m <= gemvRows {
            for r in 0..<m {
                gemv(rows: n, columns: k, a: table.data, lda: k, transposed: false, x: x + r * k, y: out + r * n, alpha: alpha)
            }
        } else {
            gemm(m: m, n: n, k: k, a: x, lda: k, b: table.data, ldb: k, transposedB: true, c: out, ldc: n, alpha: alpha)
        }
    }
}
