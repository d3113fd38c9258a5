// Row-major matrix products over OpenBLAS (cblas_sgemm / cblas_sgemv), the only place Album calls BLAS, and the
// streaming small-M kernel of CKernels/smallm.c for decode steps (sgemm repacks B on every call, perf notes §1.3).
// Weights are stored pre-transposed as (K, N) at load time (performance notes §1.2), so the common product is
// C (M, N) = A (M, K) · B (K, N) with no transposes; `transposedB` covers (N, K) tables.
// Legend: M = rows of the activation, K = reduction dimension, N = output features.
import CBLAS
import CKernels

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

    /// Rows up to which products run as one sgemv per row when the small-M kernel is not used: sgemm packs B on
    /// every call and is 2.5-4x slower than sgemv at M = 1, still slower than two sgemv calls at M = 2 (perf notes
    /// §1.3).
    public static let gemvRows = 2

    /// Instruction-set variants of the small-M kernel.
    public enum SmallMVariant: String, CaseIterable, Sendable {
        case portable, avx2, avx512

        var isa: album_smallm_isa {
            switch self {
            case .portable: ALBUM_SMALLM_PORTABLE
            case .avx2: ALBUM_SMALLM_AVX2
            case .avx512: ALBUM_SMALLM_AVX512
            }
        }

        /// Whether this CPU can run the variant.
        public var isSupported: Bool { album_smallm_supports(isa) != 0 }

        /// The variant `smallM` uses on this CPU (chosen once per process).
        public static var selected: SmallMVariant {
            switch album_smallm_selected() {
            case ALBUM_SMALLM_AVX512: .avx512
            case ALBUM_SMALLM_AVX2: .avx2
            default: .portable
            }
        }
    }

    /// Rows up to which `linear` runs the streaming small-M kernel; above it, sgemm. Measured on T5 decode shapes
    /// (512/768 × 512…32128, single thread, SkylakeX OpenBLAS): the AVX-512 kernel beats sgemm up to M = 32 on
    /// every shape (2-3x at M ≤ 16); the AVX2 one (2 × 32 tiles in 16 registers) up to about M = 4; the portable
    /// one never (0 = sgemv/sgemm only).
    public static let smallRows: Int = {
        switch album_smallm_selected() {
        case ALBUM_SMALLM_AVX512: 32
        case ALBUM_SMALLM_AVX2: 4
        default: 0
        }
    }()

    /// out (M, N) = alpha · x (M, K) · w (K, N) + beta · out with the streaming small-M kernel: each weight is read
    /// once for all M rows; each output is one FMA chain over K in ascending order, so a row's result is the
    /// same bits whatever M and whatever the other rows. `beta == 0` never reads `out`.
    public static func smallM(
        m: Int, n: Int, k: Int,
        x: UnsafePointer<Float>, ldx: Int,
        w: UnsafePointer<Float>, ldw: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int,
        alpha: Float = 1, beta: Float = 0, threads: Int = BLAS.threads
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0 && ldx >= k && ldw >= n && ldo >= n, "smallM: bad shape or stride")
        // Column slices on up to `threads` threads (ColumnSlices); small weights stay on the caller.
        ColumnSlices.forEach(n, weights: k * n, threads: threads) { columns in
            album_smallm_kn(m, columns.count, k, x, ldx, w + columns.lowerBound, ldw, out + columns.lowerBound, ldo,
                            alpha, beta)
        }
    }

    /// Weight floats per thread below which `smallM` does not split a call (`ColumnSlices`).
    public static let smallMFloatsPerThread = ColumnSlices.minimumWeightsPerThread

    /// `smallM` with an explicit instruction-set variant (tests, benchmarks). Returns false, computing nothing,
    /// when this CPU cannot run `variant`.
    @discardableResult
    public static func smallM(
        variant: SmallMVariant, m: Int, n: Int, k: Int,
        x: UnsafePointer<Float>, ldx: Int,
        w: UnsafePointer<Float>, ldw: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int,
        alpha: Float = 1, beta: Float = 0
    ) -> Bool {
        precondition(m >= 0 && n >= 0 && k >= 0 && ldx >= k && ldw >= n && ldo >= n, "smallM: bad shape or stride")
        return album_smallm_kn_using(variant.isa, m, n, k, x, ldx, w, ldw, out, ldo, alpha, beta) != 0
    }

    /// out (M, N) = alpha · x (M, K) · w (K, N) + beta · out for a pre-transposed weight `w` of shape (K, N):
    /// sgemv for one row (OpenBLAS's threaded sgemv is as fast as the kernel there), the small-M kernel for
    /// 2…`smallRows` rows, per-row sgemv up to `gemvRows` without the kernel, else sgemm.
    public static func linear(
        _ x: UnsafePointer<Float>, rows m: Int, weight w: Tensor,
        into out: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
    ) {
        precondition(w.rank == 2, "linear weight must be (K, N), got \(w.shape)")
        let k = w.shape[0], n = w.shape[1]
        if m >= 2 && m <= smallRows {
            smallM(m: m, n: n, k: k, x: x, ldx: k, w: w.data, ldw: n, out: out, ldo: n, alpha: alpha, beta: beta)
        } else if m <= gemvRows {
            for r in 0..<m {
                gemv(rows: k, columns: n, a: w.data, lda: n, transposed: true, x: x + r * k, y: out + r * n,
                     alpha: alpha, beta: beta)
            }
        } else {
            gemm(m: m, n: n, k: k, a: x, lda: k, b: w.data, ldb: n, c: out, ldc: n, alpha: alpha, beta: beta)
        }
    }
}
