// BLAS wrappers against a naive Double-accumulated matmul, on T5-like shapes (pre-transposed (K, N) weights,
// (N, K) tables for the LM head, M = 1 through the sgemv path, strided sub-matrices, beta = 1 accumulation).
import Kernels
import Testing
import TestSupport

@Suite struct MatmulTests {
    @Test(arguments: [(1, 32, 48), (2, 30, 40), (7, 64, 96), (33, 512, 64), (1, 512, 2048)])
    func linearMatchesNaive(m: Int, k: Int, n: Int) {
        var rng = Rng(state: UInt64(m * 1000 + k + n))
        let x = rng.floats(m * k), w = rng.floats(k * n)
        let xt = Tensor(shape: [m, k], values: x), wt = Tensor(shape: [k, n], values: w), out = Tensor(zeros: [m, n])
        Matmul.linear(xt.data, rows: m, weight: wt, into: out.data)
        let expected = Naive.matmul(x, w, m: m, n: n, k: k)
        let report = Closeness("linear \(m)x\(k)x\(n)", got: out.array, expected: expected, maxAbs: 1e-4, nmse: 1e-7)
        #expect(report.passed, "\(report)")
        // beta = 1 accumulates (the fused residual add).
        Matmul.linear(xt.data, rows: m, weight: wt, into: out.data, beta: 1)
        let doubled = Closeness("linear beta=1", got: out.array, expected: expected.map { 2 * $0 }, maxAbs: 2e-4, nmse: 1e-7)
        #expect(doubled.passed, "\(doubled)")
    }

    @Test func stridedGemmOnHeadSlices() {
        // Q·Kᵀ of one head taken from a fused (L, 3·inner) QKV buffer, as attention does it.
        var rng = Rng(state: 5)
        let l = 9, heads = 3, dkv = 10, inner = heads * dkv
        let qkv = rng.floats(l * 3 * inner)
        let buffer = Tensor(shape: [l, 3 * inner], values: qkv), scores = Tensor(zeros: [l, l])
        let head = 2
        Matmul.gemm(m: l, n: l, k: dkv, a: buffer.data + head * dkv, lda: 3 * inner,
                    b: buffer.data + inner + head * dkv, ldb: 3 * inner, transposedB: true, c: scores.data, ldc: l)
        var q = [Float](), kk = [Float]()
        for r in 0..<l {
            let qStart: Int = r * 3 * inner + head * dkv
            let kStart: Int = qStart + inner
            q += qkv[qStart..<(qStart + dkv)]
            kk += qkv[kStart..<(kStart + dkv)]
        }
        let report = Closeness("strided QKᵀ", got: scores.array, expected: Naive.matmul(q, kk, m: l, n: l, k: dkv, transposedB: true),
                               maxAbs: 1e-5, nmse: 1e-7)
        #expect(report.passed, "\(report)")
    }

    @Test func blasIdentity() {
        #expect(!BLAS.coreName.isEmpty)
        #expect(BLAS.threads >= 1)
    }
}
