// Every backward kernel against central finite differences of its forward written in Double (independent of the
// naive twins' closed forms): f(x) = Σ dOut ⊙ forward(x) for a fixed random dOut, so ∂f/∂x is exactly what the
// backward computes. Small sizes; step h = 1e-3 (truncation error O(h²) ≈ 1e-6 relative on these smooth
// functions); tolerance maxAbs 1e-5 + rel 1e-4 unless stated (the analytic side is Float; observed differences stay
// below 5e-7); ReLU points within 2h of the kink are skipped.
import Foundation
import Kernels
import Testing
import TestSupport

private func dot(_ a: [Double], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * Double($1.1) } }

private func activationD(_ v: Double, _ kind: Activation) -> Double {
    switch kind {
    case .relu: max(v, 0)
    case .geluNew: 0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
    case .gelu: 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
    case .silu: v / (1 + exp(-v))
    }
}

@Suite struct BackwardGradCheckTests {
    static let tolerance = (maxAbs: 1e-5, rel: 1e-4)

    @Test func linear() {
        var rng = Rng(state: 1)
        let (m, k, n) = (3, 5, 4)
        let x = rng.floats(m * k), w = rng.floats(k * n), dy = rng.floats(m * n)
        let dx = Tensor(zeros: [m, k]), dw = Tensor(zeros: [k, n])
        let xt = Tensor(shape: [m, k], values: x), wt = Tensor(shape: [k, n], values: w), dyt = Tensor(shape: [m, n], values: dy)
        linearBackward(dInp: dx.data, dWeight: dw.data, dOut: dyt.data, inp: xt.data, weight: wt.data,
                       rows: m, inFeatures: k, outFeatures: n)
        func forward(_ x: [Double], _ w: [Double]) -> Double {
            var out = [Double](repeating: 0, count: m * n)
            for i in 0..<m { for j in 0..<n { for p in 0..<k { out[i * n + j] += x[i * k + p] * w[p * n + j] } } }
            return dot(out, dy)
        }
        let wd = w.map(Double.init), xd = x.map(Double.init)
        let rx = GradCheck.check("linear dX", analytic: dx.array, at: x, maxAbs: Self.tolerance.maxAbs, rel: Self.tolerance.rel) { forward($0, wd) }
        #expect(rx.passed, "\(rx)")
        let rw = GradCheck.check("linear dW", analytic: dw.array, at: w, maxAbs: Self.tolerance.maxAbs, rel: Self.tolerance.rel) { forward(xd, $0) }
        #expect(rw.passed, "\(rw)")
    }

    @Test func rmsNorm() {
        var rng = Rng(state: 2)
        let rows = 3, dim = 12, eps: Float = 1e-6
        let x = rng.floats(rows * dim, scale: 2), w = rng.floats(dim), dy = rng.floats(rows * dim)
        let xt = Tensor(shape: [rows, dim], values: x), wt = Tensor(shape: [dim], values: w)
        let out = Tensor(zeros: [rows, dim]), rstd = Tensor(zeros: [rows]), dyt = Tensor(shape: [rows, dim], values: dy)
        let dx = Tensor(zeros: [rows, dim]), dw = Tensor(zeros: [dim])
        rmsNormForward(out: out.data, rstd: rstd.data, inp: xt.data, weight: wt.data, rows: rows, dim: dim, eps: eps)
        rmsNormBackward(dInp: dx.data, dWeight: dw.data, dOut: dyt.data, inp: xt.data, weight: wt.data, rstd: rstd.data,
                        rows: rows, dim: dim)
        func forward(_ x: [Double], _ w: [Double]) -> Double {
            var out = [Double](repeating: 0, count: rows * dim)
            for r in 0..<rows {
                let ms = (0..<dim).reduce(0.0) { $0 + x[r * dim + $1] * x[r * dim + $1] } / Double(dim)
                for i in 0..<dim { out[r * dim + i] = w[i] * x[r * dim + i] / (ms + Double(eps)).squareRoot() }
            }
            return dot(out, dy)
        }
        let wd = w.map(Double.init), xd = x.map(Double.init)
        let rx = GradCheck.check("rmsNorm dX", analytic: dx.array, at: x, maxAbs: Self.tolerance.maxAbs, rel: Self.tolerance.rel) { forward($0, wd) }
        #expect(rx.passed, "\(rx)")
        let rw = GradCheck.check("rmsNorm dW", analytic: dw.array, at: w, maxAbs: Self.tolerance.maxAbs, rel: Self.tolerance.rel) { forward(xd, $0) }
        #expect(rw.passed, "\(rw)")
    }

    @Test func layerNorm() {
        var rng = Rng(state: 3)
        let rows = 3, dim = 10, eps: Float = 1e-5
        let x = rng.floats(rows * dim, scale: 2), w = rng.floats(dim), b = rng.floats(dim), dy = rng.floats(rows * dim)
        let xt = Tensor(shape: [rows, dim], values: x), wt = Tensor(shape: [dim], values: w), bt = Tensor(shape: [dim], values: b)
        let out = Tensor(zeros: [rows, dim]), mean = Tensor(zeros: [rows]), rstd = Tensor(zeros: [rows])
        let dyt = Tensor(shape: [rows, dim], values: dy)
        let dx = Tensor(zeros: [rows, dim]), dw = Tensor(zeros: [dim]), db = Tensor(zeros: [dim])
        layerNormForward(out: out.data, mean: mean.data, rstd: rstd.data, inp: xt.data, weight: wt.data, bias: bt.data,
                         rows: rows, dim: dim, eps: eps)
        layerNormBackward(dInp: dx.data, dWeight: dw.data, dBias: db.data, dOut: dyt.data, inp: xt.data, weight: wt.data,
                          mean: mean.data, rstd: rstd.data, rows: rows, dim: dim)
        func forward(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            var out = [Double](repeating: 0, count: rows * dim)
            for r in 0..<rows {
                let row = Array(x[(r * dim)..<((r + 1) * dim)])
                let mu = row.reduce(0, +) / Double(dim)
                let variance = row.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(dim)
                for i in 0..<dim { out[r * dim + i] = (row[i] - mu) / (variance + Double(eps)).squareRoot() * w[i] + b[i] }
            }
            return dot(out, dy)
        }
        let xd = x.map(Double.init), wd = w.map(Double.init), bd = b.map(Double.init)
        let t = Self.tolerance
        let rx = GradCheck.check("layerNorm dX", analytic: dx.array, at: x, maxAbs: t.maxAbs, rel: t.rel) { forward($0, wd, bd) }
        #expect(rx.passed, "\(rx)")
        let rw = GradCheck.check("layerNorm dW", analytic: dw.array, at: w, maxAbs: t.maxAbs, rel: t.rel) { forward(xd, $0, bd) }
        #expect(rw.passed, "\(rw)")
        let rb = GradCheck.check("layerNorm dB", analytic: db.array, at: b, maxAbs: t.maxAbs, rel: t.rel) { forward(xd, wd, $0) }
        #expect(rb.passed, "\(rb)")
    }

    @Test func softmaxWithBiasAndValidLengths() {
        var rng = Rng(state: 4)
        let rows = 3, total = 9, valid = [9, 4, 1]
        let scores = rng.floats(rows * total, scale: 3), bias = rng.floats(rows * total, scale: 2), dy = rng.floats(rows * total)
        let probs = Tensor(shape: [rows, total], values: scores)
        for r in 0..<rows {
            let b = Tensor(shape: [total], values: Array(bias[(r * total)..<((r + 1) * total)]))
            softmaxRow(probs.row(r), bias: b.data, valid: valid[r], total: total)
        }
        let dyt = Tensor(shape: [rows, total], values: dy), ds = Tensor(zeros: [rows, total]), db = Tensor(zeros: [rows, total])
        softmaxBackward(dInp: ds.data, dBias: db.data, dOut: dyt.data, probs: probs.data, valid: valid, rows: rows, total: total)
        func forward(_ s: [Double], _ b: [Double]) -> Double {
            var out = [Double](repeating: 0, count: rows * total)
            for r in 0..<rows {
                let z = (0..<valid[r]).map { s[r * total + $0] + b[r * total + $0] }
                let e = z.map { exp($0 - z.max()!) }, sum = e.reduce(0, +)
                for i in 0..<valid[r] { out[r * total + i] = e[i] / sum }
            }
            return dot(out, dy)
        }
        let sd = scores.map(Double.init), bd = bias.map(Double.init), t = Self.tolerance
        let rs = GradCheck.check("softmax dScores", analytic: ds.array, at: scores, maxAbs: t.maxAbs, rel: t.rel) { forward($0, bd) }
        #expect(rs.passed, "\(rs)")
        let rb = GradCheck.check("softmax dBias", analytic: db.array, at: bias, maxAbs: t.maxAbs, rel: t.rel) { forward(sd, $0) }
        #expect(rb.passed, "\(rb)")
    }

    @Test(arguments: Activation.allCases)
    func activationAndGated(kind: Activation) {
        var rng = Rng(state: 5)
        let h = 1e-3, t = Self.tolerance
        let x = rng.floats(64, scale: 4), dy = rng.floats(64)
        let xt = Tensor(shape: [64], values: x), dyt = Tensor(shape: [64], values: dy), dx = Tensor(zeros: [64])
        kind.backward(dInp: dx.data, dOut: dyt.data, inp: xt.data, count: 64)
        let r = GradCheck.check("\(kind) backward", analytic: dx.array, at: x, step: h, maxAbs: t.maxAbs, rel: t.rel,
                                skip: { kind == .relu && abs(Double(x[$0])) < 2 * h }) { v in
            dot(v.map { activationD($0, kind) }, dy)
        }
        #expect(r.passed, "\(r)")

        let rows = 2, width = 8
        let inp = rng.floats(rows * 2 * width, scale: 3), gdy = rng.floats(rows * width)
        let it = Tensor(shape: [rows, 2 * width], values: inp), gdyt = Tensor(shape: [rows, width], values: gdy)
        let dInp = Tensor(zeros: [rows, 2 * width])
        kind.gatedBackward(dInp: dInp.data, dOut: gdyt.data, inp: it.data, rows: rows, width: width)
        let g = GradCheck.check("gated \(kind) backward", analytic: dInp.array, at: inp, step: h, maxAbs: t.maxAbs, rel: t.rel,
                                skip: { kind == .relu && $0 % (2 * width) < width && abs(Double(inp[$0])) < 2 * h }) { v in
            var out = [Double](repeating: 0, count: rows * width)
            for r in 0..<rows {
                for i in 0..<width { out[r * width + i] = activationD(v[r * 2 * width + i], kind) * v[r * 2 * width + width + i] }
            }
            return dot(out, gdy)
        }
        #expect(g.passed, "\(g)")
    }

    @Test(arguments: [Float(0), 0.1])
    func crossEntropy(smoothing: Float) {
        var rng = Rng(state: 6)
        let rows = 4, vocab = 13
        let logits = rng.floats(rows * vocab, scale: 4), targets: [Int32] = [3, -100, 12, 0]
        let lt = Tensor(shape: [rows, vocab], values: logits), grad = Tensor(zeros: [rows, vocab])
        _ = Kernels.crossEntropy(dLogits: grad.data, logits: lt.data, targets: targets, rows: rows, vocab: vocab,
                                 labelSmoothing: smoothing)
        let eps = Double(smoothing)
        let r = GradCheck.check("cross-entropy ε=\(smoothing)", analytic: grad.array, at: logits, maxAbs: 1e-5, rel: 1e-3) { z in
            var loss = 0.0
            let counted = targets.filter { $0 != -100 }.count
            for row in 0..<rows where targets[row] != -100 {
                let values = Array(z[(row * vocab)..<((row + 1) * vocab)]), top = values.max()!
                let lse = top + log(values.reduce(0) { $0 + exp($1 - top) })
                loss += (1 - eps) * (lse - values[Int(targets[row])]) + eps / Double(vocab) * values.reduce(0) { $0 + lse - $1 }
            }
            return loss / Double(counted)
        }
        #expect(r.passed, "\(r)")
    }

    @Test func embeddingAndDropoutAreLinear() {
        var rng = Rng(state: 7)
        let vocab = 6, dim = 3, ids: [Int32] = [2, 5, 2]
        let table = rng.floats(vocab * dim), dy = rng.floats(ids.count * dim)
        let dTable = Tensor(zeros: [vocab, dim]), dyt = Tensor(shape: [ids.count, dim], values: dy)
        embeddingBackward(dTable: dTable.data, dOut: dyt.data, ids: ids, vocab: vocab, dim: dim)
        let e = GradCheck.check("embedding dTable", analytic: dTable.array, at: table, maxAbs: 1e-5, rel: 1e-4) { t in
            var sum = 0.0
            for (r, id) in ids.enumerated() { for i in 0..<dim { sum += t[Int(id) * dim + i] * Double(dy[r * dim + i]) } }
            return sum
        }
        #expect(e.passed, "\(e)")

        let count = 40, p = 0.3, key = DropoutKey(seed: 9, step: 2, layer: 1)
        let x = rng.floats(count), ddy = rng.floats(count)
        let dx = Tensor(zeros: [count]), ddyt = Tensor(shape: [count], values: ddy)
        dropoutBackward(dInp: dx.data, dOut: ddyt.data, count: count, probability: p, key: key)
        let scale = Double(1 / Float(1 - p))
        let d = GradCheck.check("dropout dX", analytic: dx.array, at: x, maxAbs: 1e-5, rel: 1e-4) { v in
            (0..<count).reduce(0.0) { sum, i in
                sum + (Naive.dropoutKeeps(UInt64(i), probability: p, key: key) ? v[i] * scale : 0) * Double(ddy[i])
            }
        }
        #expect(d.passed, "\(d)")
    }
}
