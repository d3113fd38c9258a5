// The backward kernels (Sources/Kernels/Backward, LayerNorm, CrossEntropy) against their naive Double twins
// (Sources/Kernels/Reference), on T5-like shapes, including the accumulate-into-d* contract and the nil (frozen)
// paths. Tolerances: max-abs bound per test (stated) plus NMSE ≤ 1e-7 (ggml's default).
import Foundation
import Kernels
import Testing
import TestSupport

@Suite struct BackwardTwinTests {
    @Test(arguments: [(1, 8, 8), (5, 32, 48), (33, 64, 40), (2, 512, 96)])
    func linearBackwardMatchesNaiveAndAccumulates(m: Int, k: Int, n: Int) {
        var rng = Rng(state: UInt64(m * 97 + k * 5 + n))
        let x = rng.floats(m * k), w = rng.floats(k * n), dy = rng.floats(m * n)
        let prior = rng.floats(m * k), priorW = rng.floats(k * n)
        let xt = Tensor(shape: [m, k], values: x), wt = Tensor(shape: [k, n], values: w)
        let dyt = Tensor(shape: [m, n], values: dy)
        let dx = Tensor(shape: [m, k], values: prior), dw = Tensor(shape: [k, n], values: priorW)
        linearBackward(dInp: dx.data, dWeight: dw.data, dOut: dyt.data, inp: xt.data, weight: wt.data,
                       rows: m, inFeatures: k, outFeatures: n)
        let naive = Naive.linearBackward(dOut: dy, inp: x, weight: w, m: m, k: k, n: n)
        let dxReport = Closeness("linear dX \(m)x\(k)x\(n)", got: dx.array, expected: zip(prior, naive.dInp).map(+),
                                 maxAbs: 1e-4, nmse: 1e-7)
        #expect(dxReport.passed, "\(dxReport)")
        let dwReport = Closeness("linear dW \(m)x\(k)x\(n)", got: dw.array, expected: zip(priorW, naive.dWeight).map(+),
                                 maxAbs: 1e-4, nmse: 1e-7)
        #expect(dwReport.passed, "\(dwReport)")

        // Frozen weight: dW untouched, dX still accumulated.
        let dx2 = Tensor(zeros: [m, k]), untouched = Tensor(shape: [k, n], values: priorW)
        linearBackward(dInp: dx2.data, dWeight: nil, dOut: dyt.data, inp: xt.data, weight: wt.data,
                       rows: m, inFeatures: k, outFeatures: n)
        let frozen = Closeness("linear dX frozen W", got: dx2.array, expected: naive.dInp, maxAbs: 1e-4, nmse: 1e-7)
        #expect(frozen.passed, "\(frozen)")
        #expect(untouched.array == priorW)
    }

    @Test func gemmWithTransposedAMatchesNaive() {
        // C (5, 7) = Aᵀ · Bᵀ with A (3, 5) and B (7, 3) on strided buffers, beta = 1.
        var rng = Rng(state: 11)
        let (m, n, k) = (5, 7, 3)
        let a = rng.floats(k * m), b = rng.floats(n * k), c = rng.floats(m * n)
        let lda = m + 2, ldb = k + 1
        let at = Tensor(zeros: [k, lda]), bt = Tensor(zeros: [n, ldb]), ct = Tensor(shape: [m, n], values: c)
        for p in 0..<k { for i in 0..<m { at.data[p * lda + i] = a[p * m + i] } }
        for j in 0..<n { for p in 0..<k { bt.data[j * ldb + p] = b[j * k + p] } }
        Matmul.gemm(m: m, n: n, k: k, a: at.data, lda: lda, transposedA: true, b: bt.data, ldb: ldb, transposedB: true,
                    c: ct.data, ldc: n, alpha: 0.5, beta: 1)
        var aT = [Float](repeating: 0, count: m * k)
        for p in 0..<k { for i in 0..<m { aT[i * k + p] = a[p * m + i] } }
        let expected = zip(Naive.matmul(aT, b, m: m, n: n, k: k, transposedB: true), c).map { 0.5 * $0 + $1 }
        let report = Closeness("gemm Aᵀ·Bᵀ", got: ct.array, expected: expected, maxAbs: 1e-5, nmse: 1e-7)
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [(1, 32), (7, 48), (5, 512), (3, 1000)])
    func rmsNormForwardRecordsRstdAndMatchesInference(rows: Int, dim: Int) {
        var rng = Rng(state: UInt64(rows * 131 + dim))
        let x = rng.floats(rows * dim, scale: 3), w = rng.floats(dim)
        let input = Tensor(shape: [rows, dim], values: x), weight = Tensor(shape: [dim], values: w)
        let out = Tensor(zeros: [rows, dim]), inference = Tensor(zeros: [rows, dim]), rstd = Tensor(zeros: [rows])
        rmsNormForward(out: out.data, rstd: rstd.data, inp: input.data, weight: weight.data, rows: rows, dim: dim, eps: 1e-6)
        rmsNorm(out: inference.data, inp: input.data, weight: weight.data, rows: rows, dim: dim, eps: 1e-6)
        // Same arithmetic as the inference kernel: tolerance 0.
        let same = Closeness("rmsNormForward vs rmsNorm", got: out.array, expected: inference.array, maxAbs: 0)
        #expect(same.passed, "\(same)")
        let r = Closeness("rstd", got: rstd.array, expected: Naive.rmsNormRstd(x, rows: rows, dim: dim, eps: 1e-6),
                          maxAbs: 0, rel: 1e-6)
        #expect(r.passed, "\(r)")
    }

    @Test(arguments: [(1, 32), (7, 48), (5, 512), (3, 1000)])
    func rmsNormBackwardMatchesNaive(rows: Int, dim: Int) {
        var rng = Rng(state: UInt64(rows * 7 + dim))
        let x = rng.floats(rows * dim, scale: 3), w = rng.floats(dim), dy = rng.floats(rows * dim)
        let input = Tensor(shape: [rows, dim], values: x), weight = Tensor(shape: [dim], values: w)
        let out = Tensor(zeros: [rows, dim]), rstd = Tensor(zeros: [rows]), dOut = Tensor(shape: [rows, dim], values: dy)
        rmsNormForward(out: out.data, rstd: rstd.data, inp: input.data, weight: weight.data, rows: rows, dim: dim, eps: 1e-6)
        let prior = rng.floats(rows * dim), priorW = rng.floats(dim)
        let dx = Tensor(shape: [rows, dim], values: prior), dw = Tensor(shape: [dim], values: priorW)
        rmsNormBackward(dInp: dx.data, dWeight: dw.data, dOut: dOut.data, inp: input.data, weight: weight.data,
                        rstd: rstd.data, rows: rows, dim: dim)
        let naive = Naive.rmsNormBackward(dOut: dy, x: x, weight: w, rows: rows, dim: dim, eps: 1e-6)
        let dxReport = Closeness("rmsNorm dX", got: dx.array, expected: zip(prior, naive.dInp).map(+), maxAbs: 1e-5, nmse: 1e-7)
        #expect(dxReport.passed, "\(dxReport)")
        let dwReport = Closeness("rmsNorm dW", got: dw.array, expected: zip(priorW, naive.dWeight).map(+), maxAbs: 1e-4, nmse: 1e-7)
        #expect(dwReport.passed, "\(dwReport)")
        // Frozen weight (nil): dX the same.
        let dx2 = Tensor(shape: [rows, dim], values: prior)
        rmsNormBackward(dInp: dx2.data, dWeight: nil, dOut: dOut.data, inp: input.data, weight: weight.data,
                        rstd: rstd.data, rows: rows, dim: dim)
        #expect(dx2.array == dx.array)
    }

    @Test(arguments: [(1, 16), (4, 100), (3, 768)])
    func layerNormForwardBackwardMatchNaive(rows: Int, dim: Int) {
        var rng = Rng(state: UInt64(rows * 3 + dim))
        let x = rng.floats(rows * dim, scale: 2).map { $0 + 0.7 }, w = rng.floats(dim), b = rng.floats(dim)
        let dy = rng.floats(rows * dim)
        let input = Tensor(shape: [rows, dim], values: x), weight = Tensor(shape: [dim], values: w)
        let bias = Tensor(shape: [dim], values: b), out = Tensor(zeros: [rows, dim])
        let mean = Tensor(zeros: [rows]), rstd = Tensor(zeros: [rows])
        layerNormForward(out: out.data, mean: mean.data, rstd: rstd.data, inp: input.data, weight: weight.data,
                         bias: bias.data, rows: rows, dim: dim)
        let naive = Naive.layerNorm(x, weight: w, bias: b, rows: rows, dim: dim, eps: 1e-5)
        for (label, got, expected) in [("out", out.array, naive.out), ("mean", mean.array, naive.mean), ("rstd", rstd.array, naive.rstd)] {
            let report = Closeness("layerNorm \(label) \(rows)x\(dim)", got: got, expected: expected, maxAbs: 1e-5, rel: 1e-5, nmse: 1e-7)
            #expect(report.passed, "\(report)")
        }
        let prior = rng.floats(rows * dim)
        let dx = Tensor(shape: [rows, dim], values: prior), dw = Tensor(zeros: [dim]), db = Tensor(zeros: [dim])
        let dOut = Tensor(shape: [rows, dim], values: dy)
        layerNormBackward(dInp: dx.data, dWeight: dw.data, dBias: db.data, dOut: dOut.data, inp: input.data,
                          weight: weight.data, mean: mean.data, rstd: rstd.data, rows: rows, dim: dim)
        let grads = Naive.layerNormBackward(dOut: dy, x: x, weight: w, rows: rows, dim: dim, eps: 1e-5)
        for (label, got, expected) in [("dX", dx.array, zip(prior, grads.dInp).map(+)), ("dW", dw.array, grads.dWeight),
                                       ("dB", db.array, grads.dBias)] {
            let report = Closeness("layerNorm \(label) \(rows)x\(dim)", got: got, expected: expected, maxAbs: 2e-5, nmse: 1e-7)
            #expect(report.passed, "\(report)")
        }
    }

    @Test func softmaxBackwardMatchesNaiveWithValidLengthsAndBias() {
        var rng = Rng(state: 77)
        let rows = 6, total = 40, valid = [40, 1, 17, 33, 2, 39]
        let scores = rng.floats(rows * total, scale: 6), bias = rng.floats(rows * total, scale: 3)
        let dp = rng.floats(rows * total)
        let probs = Tensor(shape: [rows, total], values: scores)
        for r in 0..<rows {
            let b = Tensor(shape: [total], values: Array(bias[(r * total)..<((r + 1) * total)]))
            softmaxRow(probs.row(r), bias: b.data, valid: valid[r], total: total)
        }
        let dOut = Tensor(shape: [rows, total], values: dp)
        let priorS = rng.floats(rows * total), priorB = rng.floats(rows * total)
        let ds = Tensor(shape: [rows, total], values: priorS), dBias = Tensor(shape: [rows, total], values: priorB)
        softmaxBackward(dInp: ds.data, dBias: dBias.data, dOut: dOut.data, probs: probs.data, valid: valid, rows: rows, total: total)
        let naive = Naive.softmaxBackward(dOut: dp, probs: probs.array, valid: valid, total: total)
        let sReport = Closeness("softmax dScores", got: ds.array, expected: zip(priorS, naive).map(+), maxAbs: 1e-6, nmse: 1e-7)
        #expect(sReport.passed, "\(sReport)")
        let bReport = Closeness("softmax dBias", got: dBias.array, expected: zip(priorB, naive).map(+), maxAbs: 1e-6, nmse: 1e-7)
        #expect(bReport.passed, "\(bReport)")
        // Masked positions get no gradient; one row through the single-row entry point gives the same values.
        #expect((valid[1]..<total).allSatisfy { ds.data[total + $0] == priorS[total + $0] })
        let one = Tensor(zeros: [total])
        softmaxRowBackward(dInp: one.data, dBias: nil, dOut: dOut.row(2), probs: probs.row(2), valid: valid[2], total: total)
        let row = Closeness("softmaxRowBackward", got: one.array, expected: Array(naive[(2 * total)..<(3 * total)]), maxAbs: 1e-6)
        #expect(row.passed, "\(row)")
    }

    @Test(arguments: Activation.allCases)
    func activationBackwardMatchesNaive(kind: Activation) {
        var rng = Rng(state: 4242)
        let x = rng.floats(2051, scale: 10) + [0, -0.0, 1e-8, -1e-8, 30, -30, 100, -100]
        let dy = rng.floats(x.count), prior = rng.floats(x.count)
        let input = Tensor(shape: [x.count], values: x), dOut = Tensor(shape: [x.count], values: dy)
        let dx = Tensor(shape: [x.count], values: prior)
        kind.backward(dInp: dx.data, dOut: dOut.data, inp: input.data, count: x.count)
        let expected = zip(prior, Naive.activationBackward(dOut: dy, inp: x, kind)).map(+)
        let report = Closeness("\(kind) backward", got: dx.array, expected: expected, maxAbs: 2e-6, rel: 1e-5, nmse: 1e-7)
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: Activation.allCases)
    func gatedBackwardMatchesNaive(kind: Activation) {
        var rng = Rng(state: 99)
        let rows = 5, width = 77
        let inp = rng.floats(rows * 2 * width, scale: 5), dy = rng.floats(rows * width), prior = rng.floats(rows * 2 * width)
        let input = Tensor(shape: [rows, 2 * width], values: inp), dOut = Tensor(shape: [rows, width], values: dy)
        let dx = Tensor(shape: [rows, 2 * width], values: prior)
        kind.gatedBackward(dInp: dx.data, dOut: dOut.data, inp: input.data, rows: rows, width: width)
        let expected = zip(prior, Naive.gatedBackward(dOut: dy, inp: inp, rows: rows, width: width, kind)).map(+)
        let report = Closeness("gated \(kind) backward", got: dx.array, expected: expected, maxAbs: 1e-5, rel: 1e-5, nmse: 1e-7)
        #expect(report.passed, "\(report)")
    }

    @Test func embeddingBackwardScatterAddsRepeatedIds() {
        var rng = Rng(state: 5)
        let vocab = 11, dim = 37, ids: [Int32] = [3, 0, 3, 10, 7, 3]
        let dy = rng.floats(ids.count * dim), prior = rng.floats(vocab * dim)
        let table = Tensor(shape: [vocab, dim], values: prior), dOut = Tensor(shape: [ids.count, dim], values: dy)
        embeddingBackward(dTable: table.data, dOut: dOut.data, ids: ids, vocab: vocab, dim: dim)
        let expected = zip(prior, Naive.embeddingBackward(dOut: dy, ids: ids, vocab: vocab, dim: dim)).map(+)
        let report = Closeness("embedding backward", got: table.array, expected: expected, maxAbs: 1e-6)
        #expect(report.passed, "\(report)")
        #expect((0..<dim).allSatisfy { table.data[dim + $0] == prior[dim + $0] }, "row 1 (never looked up) unchanged")
    }

    @Test(arguments: [Float(0), 0.1, 0.5])
    func crossEntropyMatchesNaive(smoothing: Float) {
        var rng = Rng(state: 31)
        let rows = 7, vocab = 4001
        let logits = rng.floats(rows * vocab, scale: 12)
        let targets: [Int32] = [5, -100, 4000, 0, 17, -100, 2500]
        let lt = Tensor(shape: [rows, vocab], values: logits), grad = Tensor(zeros: [rows, vocab])
        let loss = crossEntropy(dLogits: grad.data, logits: lt.data, targets: targets, rows: rows, vocab: vocab,
                                labelSmoothing: smoothing)
        let naive = Naive.crossEntropy(logits: logits, targets: targets, vocab: vocab, labelSmoothing: smoothing)
        #expect(abs(loss - naive.loss) <= 1e-6 * max(1, abs(naive.loss)), "loss \(loss) vs naive \(naive.loss) (rel 1e-6)")
        let report = Closeness("cross-entropy dLogits ε=\(smoothing)", got: grad.array, expected: naive.dLogits,
                               maxAbs: 1e-7, nmse: 1e-7)
        #expect(report.passed, "\(report)")
        // Loss only (nil) gives the same loss; in place (dLogits aliases logits) runs its own loop, the same numbers up
        // to the summation order the compiler picks for it: rel 1e-6 on the loss, 1e-7 on gradients.
        let lossOnly = crossEntropy(dLogits: nil, logits: lt.data, targets: targets, rows: rows, vocab: vocab,
                                    labelSmoothing: smoothing)
        #expect(lossOnly == loss)
        let inPlace = crossEntropy(dLogits: lt.data, logits: lt.data, targets: targets, rows: rows, vocab: vocab,
                                   labelSmoothing: smoothing)
        #expect(abs(inPlace - loss) <= 1e-6 * abs(loss), "in-place loss \(inPlace) vs \(loss)")
        let aliased = Closeness("cross-entropy in place", got: lt.array, expected: grad.array, maxAbs: 1e-7, nmse: 1e-7)
        #expect(aliased.passed, "\(aliased)")
    }

    @Test func crossEntropyNormalizerAndAllIgnored() {
        let logits: [Float] = [1, 2, 3, 0.5, -1, 2]
        let lt = Tensor(shape: [2, 3], values: logits), grad = Tensor(zeros: [2, 3])
        let mean = crossEntropy(dLogits: grad.data, logits: lt.data, targets: [2, 0], rows: 2, vocab: 3)
        let meanGrad = grad.array
        // normalizer 4 (a batch of 4 target tokens split over two calls): loss and gradient scale by 2/4.
        let split = crossEntropy(dLogits: grad.data, logits: lt.data, targets: [2, 0], rows: 2, vocab: 3, normalizer: 4)
        #expect(abs(split - mean / 2) <= 1e-12, "normalizer 4: \(split) vs \(mean / 2)")
        let report = Closeness("normalizer gradient", got: grad.array, expected: meanGrad.map { $0 / 2 }, maxAbs: 1e-7)
        #expect(report.passed, "\(report)")
        // Every target ignored: 0 and zero gradients (torch would give NaN).
        grad.data.update(repeating: 9, count: 6)
        let none = crossEntropy(dLogits: grad.data, logits: lt.data, targets: [-100, -100], rows: 2, vocab: 3)
        #expect(none == 0)
        #expect(grad.array == [Float](repeating: 0, count: 6))
    }
}
