// Products against a row-major (V, D) table read as stored: out (M, V) = alpha · h (M, D) · tableᵀ. The tied LM
// head computes its logits straight from the shared embedding with it, so no transposed copy of the table exists.
// Small M runs the row-dot kernel of CKernels/rowdot.c split over vocabulary slices; larger M runs sgemm with a
// transposed B. Legend: M = rows of h, D = the table's row width, V = its rows.
import CKernels

public enum TableProduct {
    /// Rows up to which the row-dot kernel runs; above it, sgemm (which then amortises its packing).
    public static let kernelRows = 32

    /// out (M, V) = alpha · h (M, D) · tableᵀ, with explicit leading dimensions (ldh ≥ D, ldt ≥ D, ldo ≥ V).
    /// Up to `kernelRows` rows the result of each output is the same bits whatever M, the other rows and `threads`.
    public static func multiply(
        m: Int, v: Int, d: Int,
        h: UnsafePointer<Float>, ldh: Int,
        table: UnsafePointer<Float>, ldt: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int,
        alpha: Float = 1, threads: Int = BLAS.threads
    ) {
        precondition(m >= 0 && v >= 0 && d >= 0 && ldh >= d && ldt >= d && ldo >= v, "TableProduct: bad shape or stride")
        guard m > 0, v > 0 else { return }
        if m > kernelRows {
            Matmul.gemm(m: m, n: v, k: d, a: h, lda: ldh, b: table, ldb: ldt, transposedB: true, c: out, ldc: ldo,
                        alpha: alpha)
            return
        }
        // Vocabulary slices on up to `threads` threads (ColumnSlices), as `Matmul.smallM` splits columns.
        ColumnSlices.forEach(v, weights: v * d, threads: threads) { rows in
            album_rowdot(m, rows.count, d, h, ldh, table + rows.lowerBound * ldt, ldt, out + rows.lowerBound, ldo, alpha)
        }
    }

    /// The row-dot kernel with an explicit instruction-set variant, single-threaded (tests, benchmarks). Returns
    /// false, computing nothing, when this CPU cannot run `variant`.
    @discardableResult
    public static func multiply(
        variant: Matmul.SmallMVariant, m: Int, v: Int, d: Int,
        h: UnsafePointer<Float>, ldh: Int,
        table: UnsafePointer<Float>, ldt: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int,
        alpha: Float = 1
    ) -> Bool {
        precondition(m >= 0 && v >= 0 && d >= 0 && ldh >= d && ldt >= d && ldo >= v, "TableProduct: bad shape or stride")
        return album_rowdot_using(variant.isa, m, v, d, h, ldh, table, ldt, out, ldo, alpha) != 0
    }

    /// The variant `multiply` uses on this CPU.
    public static var selected: Matmul.SmallMVariant {
        switch album_rowdot_selected() {
        case ALBUM_SMALLM_AVX512: .avx512
        case ALBUM_SMALLM_AVX2: .avx2
        default: .portable
        }
    }
}
