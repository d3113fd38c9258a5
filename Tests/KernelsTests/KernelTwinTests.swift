// Fast C kernels and BLAS wrappers against their naive Swift twins (Sources/Kernels/Reference).
// Tolerances: NMSE ≤ 1e-7 (ggml's default) plus a max-abs bound stated per test.
import Foundation
import Kernels
import Testing
import TestSupport

/// Deterministic pseudo-random floats (TestSupport's SplitMix64), so failures reproduce.
typealias Rng = SeededGenerator

@Suite struct KernelTwinTests {
    @Test(arguments: [(1, 32), (7, 48), (5, 512), (3, 1000)])
    func rmsNormMatchesNaive(rows: Int, dim: Int) {
        var rng = Rng(state: UInt64(rows * 131 + dim))
        let x = rng.floats(rows * dim, scale: 3), w = rng.floats(dim)
        let out = Tensor(zeros: [rows, dim])
        let input = Tensor(shape: [rows, dim], values: x), weight = Tensor(shape: [dim], values: w)
        rmsNorm(out: out.data, inp: input.data, weight: weight.data, rows: rows, dim: dim, eps: 1e-6)
        let report = Closeness("rmsNorm \(rows)x\(dim)", got: out.array,
                               expected: Naive.rmsNorm(x, weight: w, rows: rows, dim: dim, eps: 1e-6),
                               maxAbs: 1e-5, nmse: 1e-7)
        #expect(report.passed, "\(report)")
        // In place (out aliases inp) gives the same result.
        rmsNorm(out: input.data, inp: input.data, weight: weight.data, rows: rows, dim: dim, eps: 1e-6)
        #expect(input.array == out.array)
    }

    @Test(arguments: [(1, 1), (5, 9), (33, 40), (200, 200), (17, 1024)])
    func softmaxWithBiasAndValidLength(valid: Int, total: Int) {
        var rng = Rng(state: UInt64(valid * 7 + total))
        let row = rng.floats(total, scale: 8), bias = rng.floats(total, scale: 4)
        let t = Tensor(shape: [total], values: row), b = Tensor(shape: [total], values: bias)
        softmaxRow(t.data, bias: b.data, valid: valid, total: total)
        let expected = Naive.softmax(row, bias: bias, valid: valid)
        let report = Closeness("softmax \(valid)/\(total)", got: t.array, expected: expected, maxAbs: 1e-6, nmse: 1e-7)
        #expect(report.passed, "\(report)")
        let noBias = Tensor(shape: [total], values: row)
        softmaxRow(noBias.data, bias: nil, valid: valid, total: total)
        let report2 = Closeness("softmax no bias", got: noBias.array, expected: Naive.softmax(row, bias: nil, valid: valid),
                                maxAbs: 1e-6, nmse: 1e-7)
        #expect(report2.passed, "\(report2)")
    }

    @Test func softmaxHandlesExtremeLogits() {
        let row: [Float] = [-1e4, 80, 85, -90, 0, 1e4 * 0]
        let t = Tensor(shape: [row.count], values: row)
        softmaxRow(t.data, bias: nil, valid: row.count, total: row.count)
        let report = Closeness("softmax extreme", got: t.array, expected: Naive.softmax(row, bias: nil, valid: row.count),
                               maxAbs: 1e-6)
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: Activation.allCases)
    func activationMatchesNaive(kind: Activation) {
        var rng = Rng(state: 42)
        let x = rng.floats(4099, scale: 12) + [0, -0.0, 1e-8, -1e-8, 30, -30, 100, -100]
        let t = Tensor(shape: [x.count], values: x)
        kind.apply(t.data, count: x.count)
        let report = Closeness("\(kind)", got: t.array, expected: x.map { Naive.activation($0, kind) },
                               maxAbs: 2e-6, rel: 1e-6, nmse: 1e-7)
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: Activation.allCases)
    func gatedActivationMatchesNaive(kind: Activation) {
        var rng = Rng(state: 7)
        let rows = 5, width = 77
        let inp = rng.floats(rows * 2 * width, scale: 5)
        let out = Tensor(zeros: [rows, width]), input = Tensor(shape: [rows, 2 * width], values: inp)
        kind.applyGated(out: out.data, inp: input.data, rows: rows, width: width)
        let report = Closeness("gated \(kind)", got: out.array, expected: Naive.gated(inp, rows: rows, width: width, kind),
                               maxAbs: 1e-5, rel: 1e-6, nmse: 1e-7)
        #expect(report.passed, "\(report)")
    }

    @Test func logSoftmaxLogSumExpArgmaxAndAdd() {
        var rng = Rng(state: 99)
        let row = rng.floats(32128 / 8, scale: 20)
        let t = Tensor(shape: [row.count], values: row), out = Tensor(zeros: [row.count])
        logSoftmax(out: out.data, inp: t.data, count: row.count)
        let report = Closeness("logSoftmax", got: out.array, expected: Naive.logSoftmax(row), maxAbs: 1e-5, nmse: 1e-7)
        #expect(report.passed, "\(report)")
        let lse = Double(logSumExp(t.data, count: row.count))
        #expect(abs(lse - Naive.logSumExp(row)) <= 1e-5, "logsumexp \(lse) vs \(Naive.logSumExp(row))")
        let best = argmax(t.data, count: row.count)
        #expect(best == row.indices.max { row[$0] < row[$1] }!)
        let ties = Tensor(shape: [4], values: [1, 3, 3, 2])
        #expect(argmax(ties.data, count: 4) == 1, "argmax returns the first maximum, like torch")
        let a = Tensor(shape: [5], values: [1, 2, 3, 4, 5]), b = Tensor(shape: [5], values: [10, 20, 30, 40, 50])
        addInPlace(a.data, b.data, count: 5)
        #expect(a.array == [11, 22, 33, 44, 55])
    }
}
