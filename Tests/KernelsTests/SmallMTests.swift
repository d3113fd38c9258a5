// The streaming small-M kernel (CKernels/smallm.c via Matmul.smallM) against its naive twins: a Double-accumulated
// matmul (every variant, max-abs 1e-4 and NMSE 1e-7), the Float FMA-chain twin (FMA variants: bit-exact), sgemm
// (same tolerances), and itself at other batch sizes (bit-exact: a row never depends on M).
import Kernels
import Testing
import TestSupport

@Suite struct SmallMTests {
    static let shapes: [(m: Int, k: Int, n: Int)] = [
        (1, 1, 1), (1, 7, 13), (2, 33, 65), (3, 64, 64), (5, 17, 100), (6, 31, 129), (7, 64, 200),
        (9, 100, 33), (12, 48, 80), (13, 5, 257), (16, 96, 160), (16, 128, 63), (24, 40, 96), (33, 20, 70),
    ]

    static func inputs(_ m: Int, _ k: Int, _ n: Int) -> (x: [Float], w: [Float], c: [Float]) {
        var rng = Rng(state: UInt64(m * 7919 + k * 31 + n))
        return (rng.floats(m * k), rng.floats(k * n), rng.floats(m * n))
    }

    /// Runs `variant` (nil = the selected one) on padded strided buffers; nil when the CPU lacks the variant.
    static func run(_ variant: Matmul.SmallMVariant?, m: Int, k: Int, n: Int, x: [Float], w: [Float], c: [Float],
                    alpha: Float = 1, beta: Float = 0) -> [Float]? {
        let ldx = k + 3, ldw = n + 5, ldo = n + 2
        let xs = Tensor(zeros: [max(m, 1), ldx]), ws = Tensor(zeros: [max(k, 1), ldw]), os = Tensor(zeros: [max(m, 1), ldo])
        for i in 0..<m { for p in 0..<k { xs.data[i * ldx + p] = x[i * k + p] } }
        for p in 0..<k { for j in 0..<n { ws.data[p * ldw + j] = w[p * n + j] } }
        for i in 0..<m {
            for j in 0..<n { os.data[i * ldo + j] = c[i * n + j] }
            for j in n..<ldo { os.data[i * ldo + j] = -7 }  // padding must survive
        }
        if let variant {
            guard Matmul.smallM(variant: variant, m: m, n: n, k: k, x: xs.data, ldx: ldx, w: ws.data, ldw: ldw,
                                out: os.data, ldo: ldo, alpha: alpha, beta: beta) else { return nil }
        } else {
            Matmul.smallM(m: m, n: n, k: k, x: xs.data, ldx: ldx, w: ws.data, ldw: ldw, out: os.data, ldo: ldo,
                          alpha: alpha, beta: beta)
        }
        var result: [Float] = []
        for i in 0..<m {
            for j in n..<ldo { precondition(os.data[i * ldo + j] == -7, "smallM wrote past column \(n) in row \(i)") }
            result += (0..<n).map { os.data[i * ldo + $0] }
        }
        return result
    }

    // One test per variant, so a variant this CPU cannot run is reported as skipped rather than passed.
    @Test func portableMatchesNaiveTwins() throws { try matchesNaiveTwins(variant: .portable) }
    @Test(.enabled(if: Matmul.SmallMVariant.avx2.isSupported, "this CPU has no AVX2+FMA"))
    func avx2MatchesNaiveTwins() throws { try matchesNaiveTwins(variant: .avx2) }
    @Test(.enabled(if: Matmul.SmallMVariant.avx512.isSupported, "this CPU has no AVX-512"))
    func avx512MatchesNaiveTwins() throws { try matchesNaiveTwins(variant: .avx512) }

    func matchesNaiveTwins(variant: Matmul.SmallMVariant) throws {
        for (m, k, n) in Self.shapes {
            let (x, w, c) = Self.inputs(m, k, n)
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (2, -0.25)] {
                let got = try #require(Self.run(variant, m: m, k: k, n: n, x: x, w: w, c: c, alpha: alpha, beta: beta))
                let expected = zip(Naive.matmul(x, w, m: m, n: n, k: k), c).map { alpha * $0 + beta * $1 }
                let report = Closeness("\(variant) \(m)x\(k)x\(n) a=\(alpha) b=\(beta)", got: got, expected: expected,
                                       maxAbs: 1e-4, nmse: 1e-7)
                #expect(report.passed, "\(report)")
                if variant != .portable {
                    // Same arithmetic as the FMA-chain twin: tolerance 0.
                    let chain = Naive.matmulFMAChain(x, w, m: m, n: n, k: k, alpha: alpha, beta: beta, out: c)
                    let exact = Closeness("\(variant) vs FMA chain \(m)x\(k)x\(n)", got: got, expected: chain, maxAbs: 0)
                    #expect(exact.passed, "\(exact)")
                }
            }
        }
    }

    @Test func matchesSgemmOnDecodeShapes() {
        // T5 decode shapes at the batch sizes the decoder runs: against OpenBLAS sgemm, max-abs 1e-4, NMSE 1e-7.
        for (k, n) in [(512, 1536), (2048, 512), (64, 32128)] {
            for m in [1, 2, 4, 8, 16] {
                let (x, w, _) = Self.inputs(m, k, n)
                let xt = Tensor(shape: [m, k], values: x), wt = Tensor(shape: [k, n], values: w)
                let fast = Tensor(zeros: [m, n]), blas = Tensor(zeros: [m, n])
                Matmul.smallM(m: m, n: n, k: k, x: xt.data, ldx: k, w: wt.data, ldw: n, out: fast.data, ldo: n)
                Matmul.gemm(m: m, n: n, k: k, a: xt.data, lda: k, b: wt.data, ldb: n, c: blas.data, ldc: n)
                let report = Closeness("smallM vs sgemm \(m)x\(k)x\(n)", got: fast.array, expected: blas.array,
                                       maxAbs: 1e-4, nmse: 1e-7)
                #expect(report.passed, "\(report)")
            }
        }
    }

    @Test func portableRowsAreBatchInvariant() throws { try rowsAreBatchInvariant(variant: .portable) }
    @Test(.enabled(if: Matmul.SmallMVariant.avx2.isSupported, "this CPU has no AVX2+FMA"))
    func avx2RowsAreBatchInvariant() throws { try rowsAreBatchInvariant(variant: .avx2) }
    @Test(.enabled(if: Matmul.SmallMVariant.avx512.isSupported, "this CPU has no AVX-512"))
    func avx512RowsAreBatchInvariant() throws { try rowsAreBatchInvariant(variant: .avx512) }

    func rowsAreBatchInvariant(variant: Matmul.SmallMVariant) throws {
        // Every row of an M-row call is bit-identical to the same row computed alone, for M = 1…16 and 33.
        let k = 75, n = 150
        let (x, w, _) = Self.inputs(33, k, n)
        let zeros = [Float](repeating: 0, count: 33 * n)
        var alone: [[Float]] = []
        for i in 0..<33 {
            alone.append(try #require(Self.run(variant, m: 1, k: k, n: n, x: Array(x[(i * k)..<((i + 1) * k)]), w: w,
                                               c: Array(zeros[0..<n]))))
        }
        for m in Array(1...16) + [33] {
            let together = try #require(Self.run(variant, m: m, k: k, n: n, x: Array(x[0..<(m * k)]), w: w,
                                                 c: Array(zeros[0..<(m * n)])))
            for i in 0..<m {
                let report = Closeness("\(variant) row \(i) of \(m)", got: Array(together[(i * n)..<((i + 1) * n)]),
                                       expected: alone[i], maxAbs: 0)
                #expect(report.passed, "\(report)")
            }
        }
    }

    @Test func threadedSplitIsBitExact() throws {
        // Large enough to split over 2 threads: the same bits as one unsplit kernel call.
        let (m, k, n) = (5, 256, 1100)
        let (x, w, c) = Self.inputs(m, k, n)
        let xt = Tensor(shape: [m, k], values: x), wt = Tensor(shape: [k, n], values: w)
        let split = Tensor(shape: [m, n], values: c), whole = Tensor(shape: [m, n], values: c)
        // An explicit thread count: OpenBLAS's is process-wide and other suites run in parallel.
        Matmul.smallM(m: m, n: n, k: k, x: xt.data, ldx: k, w: wt.data, ldw: n, out: split.data, ldo: n, beta: 1,
                      threads: 2)
        Matmul.smallM(variant: .selected, m: m, n: n, k: k, x: xt.data, ldx: k, w: wt.data, ldw: n, out: whole.data,
                      ldo: n, beta: 1)
        #expect(split.array == whole.array)
    }

    @Test(.enabled(if: Matmul.SmallMVariant.avx2.isSupported && Matmul.SmallMVariant.avx512.isSupported,
                   "needs both AVX2+FMA and AVX-512"))
    func fmaVariantsAgreeBitwise() throws {
        let (m, k, n) = (11, 300, 333)
        let (x, w, c) = Self.inputs(m, k, n)
        let a = try #require(Self.run(.avx2, m: m, k: k, n: n, x: x, w: w, c: c, alpha: 0.7, beta: 1))
        let b = try #require(Self.run(.avx512, m: m, k: k, n: n, x: x, w: w, c: c, alpha: 0.7, beta: 1))
        let report = Closeness("avx2 vs avx512", got: a, expected: b, maxAbs: 0)
        #expect(report.passed, "\(report)")
    }

    @Test func linearUsesTheKernelUpToSmallRows() {
        // `linear` at 2 ≤ M ≤ smallRows is the kernel's exact result; the selected variant is supported.
        #expect(Matmul.SmallMVariant.selected.isSupported)
        let m = max(2, Matmul.smallRows), k = 40, n = 70
        let (x, w, _) = Self.inputs(m, k, n)
        let xt = Tensor(shape: [m, k], values: x), wt = Tensor(shape: [k, n], values: w), out = Tensor(zeros: [m, n])
        Matmul.linear(xt.data, rows: m, weight: wt, into: out.data)
        let report = Closeness("linear \(m)x\(k)x\(n)", got: out.array, expected: Naive.matmul(x, w, m: m, n: n, k: k),
                               maxAbs: 1e-4, nmse: 1e-7)
        #expect(report.passed, "\(report)")
        if Matmul.smallRows >= 2 {
            let direct = Self.run(nil, m: m, k: k, n: n, x: x, w: w, c: [Float](repeating: 0, count: m * n))!
            #expect(out.array == direct)
        }
    }
}

@Suite struct TransposeTests {
    @Test(arguments: [(1, 1), (3, 130), (65, 64), (200, 7)])
    func transposedSwapsIndices(rows: Int, columns: Int) {
        var rng = Rng(state: UInt64(rows * 17 + columns))
        let values = rng.floats(rows * columns)
        let t = Tensor(shape: [rows, columns], values: values).transposed()
        #expect(t.shape == [columns, rows])
        var expected = [Float](repeating: 0, count: values.count)
        for r in 0..<rows { for c in 0..<columns { expected[c * rows + r] = values[r * columns + c] } }
        #expect(t.array == expected)
    }
}
