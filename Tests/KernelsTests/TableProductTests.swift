// The row-dot kernel behind the tied LM head (CKernels/rowdot.c via TableProduct) against its naive twin, a
// Double-accumulated product with a transposed B: every variant this CPU runs, on odd shapes (M = 1, 3, 17; D = 512,
// 768 and odd widths; V not a multiple of 16), on strided buffers; each row the same bits alone as in a batch, and
// the threaded front-end the same bits whatever the thread count.
import Kernels
import Testing
import TestSupport

@Suite struct TableProductTests {
    static let shapes: [(m: Int, d: Int, v: Int)] = [
        (1, 512, 1001), (3, 768, 333), (17, 512, 77), (17, 37, 1001), (1, 5, 3), (3, 1, 19), (4, 31, 130), (32, 768, 95),
    ]

    static func inputs(_ m: Int, _ d: Int, _ v: Int) -> (h: [Float], table: [Float]) {
        var rng = Rng(state: UInt64(m * 7919 + d * 31 + v))
        return (rng.floats(m * d), rng.floats(v * d))
    }

    /// Runs `variant` on padded strided buffers; nil when the CPU lacks it.
    static func run(_ variant: Matmul.SmallMVariant, m: Int, d: Int, v: Int, h: [Float], table: [Float],
                    alpha: Float) -> [Float]? {
        let ldh = d + 3, ldt = d + 5, ldo = v + 2
        let hs = Tensor(zeros: [m, ldh]), ts = Tensor(zeros: [v, ldt]), os = Tensor(zeros: [m, ldo])
        for i in 0..<m { for p in 0..<d { hs.data[i * ldh + p] = h[i * d + p] } }
        for j in 0..<v { for p in 0..<d { ts.data[j * ldt + p] = table[j * d + p] } }
        for i in 0..<(m * ldo) { os.data[i] = -7 }
        guard TableProduct.multiply(variant: variant, m: m, v: v, d: d, h: hs.data, ldh: ldh, table: ts.data, ldt: ldt,
                                    out: os.data, ldo: ldo, alpha: alpha) else { return nil }
        var result: [Float] = []
        for i in 0..<m {
            for j in v..<ldo { precondition(os.data[i * ldo + j] == -7, "row-dot wrote past column \(v) in row \(i)") }
            result += (0..<v).map { os.data[i * ldo + $0] }
        }
        return result
    }

    @Test func portableMatchesNaiveTwin() throws { try matchesNaiveTwin(.portable) }
    @Test(.enabled(if: Matmul.SmallMVariant.avx2.isSupported, "this CPU has no AVX2+FMA"))
    func avx2MatchesNaiveTwin() throws { try matchesNaiveTwin(.avx2) }
    @Test(.enabled(if: Matmul.SmallMVariant.avx512.isSupported, "this CPU has no AVX-512"))
    func avx512MatchesNaiveTwin() throws { try matchesNaiveTwin(.avx512) }

    func matchesNaiveTwin(_ variant: Matmul.SmallMVariant) throws {
        for (m, d, v) in Self.shapes {
            let (h, table) = Self.inputs(m, d, v)
            let product = Naive.matmul(h, table, m: m, n: v, k: d, transposedB: true)
            for alpha in [Float(1), 0.044194173] {
                let got = try #require(Self.run(variant, m: m, d: d, v: v, h: h, table: table, alpha: alpha))
                let expected = product.map { alpha * $0 }
                let report = Closeness("\(variant) \(m)x\(d)x\(v) alpha \(alpha)", got: got, expected: expected,
                                       maxAbs: 1e-4, nmse: 1e-7)
                #expect(report.passed, "\(report)")
                // A row computed alone is the same bits as inside the batch.
                let last = try #require(Self.run(variant, m: 1, d: d, v: v, h: Array(h[((m - 1) * d)...]),
                                                 table: table, alpha: alpha))
                #expect(last == Array(got[((m - 1) * v)...]), "\(variant) \(m)x\(d)x\(v): last row differs alone")
            }
        }
    }

    @Test func threadSplitsGiveTheSameBitsAndSgemmAboveTheKernelRows() {
        // LM-head shapes: the vocabulary splits over threads; the result must not depend on the split.
        let (d, v) = (512, 1027)  // v·d spans several 64 Ki-float slices
        for m in [1, 3, 17, TableProduct.kernelRows + 5] {
            let (h, table) = Self.inputs(m, d, v)
            let ht = Tensor(shape: [m, d], values: h), tt = Tensor(shape: [v, d], values: table)
            let one = Tensor(zeros: [m, v]), two = Tensor(zeros: [m, v]), four = Tensor(zeros: [m, v])
            TableProduct.multiply(m: m, v: v, d: d, h: ht.data, ldh: d, table: tt.data, ldt: d, out: one.data, ldo: v,
                                  alpha: 0.5, threads: 1)
            TableProduct.multiply(m: m, v: v, d: d, h: ht.data, ldh: d, table: tt.data, ldt: d, out: two.data, ldo: v,
                                  alpha: 0.5, threads: 2)
            TableProduct.multiply(m: m, v: v, d: d, h: ht.data, ldh: d, table: tt.data, ldt: d, out: four.data, ldo: v,
                                  alpha: 0.5, threads: 4)
            if m <= TableProduct.kernelRows {
                #expect(one.array == two.array && one.array == four.array, "M \(m): a thread split changed the bits")
                let direct = Tensor(zeros: [m, v])
                TableProduct.multiply(variant: TableProduct.selected, m: m, v: v, d: d, h: ht.data, ldh: d,
                                      table: tt.data, ldt: d, out: direct.data, ldo: v, alpha: 0.5)
                #expect(direct.array == one.array, "M \(m): the front-end is not the selected variant")
            }
            let expected = Naive.matmul(h, table, m: m, n: v, k: d, transposedB: true).map { 0.5 * $0 }
            let report = Closeness("TableProduct \(m)x\(d)x\(v)", got: two.array, expected: expected, maxAbs: 1e-4, nmse: 1e-7)
            #expect(report.passed, "\(report)")
        }
    }
}
