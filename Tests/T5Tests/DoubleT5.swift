// An independent Double-precision T5 written straight from HF modeling_t5 (T5LayerNorm, T5Attention with the
// relative position bias, T5DenseActDense / T5DenseGatedActDense, residual adds, train()-mode dropout with the
// masks of Kernels' Naive.dropoutKeeps), over plain arrays. The finite-difference tests differentiate it; it shares
// no code with the layers' backward. Weights use Album's storage layout: linear weights (in, out).
// Legend: R = rows, D = dModel, I = inner, F = dFF, Lq/Lk = query/key length, H = heads, dkv = head dim.
import Foundation
import Kernels

enum DoubleT5 {
    /// x (R, K) · w (K, N) → (R, N).
    static func linear(_ x: [Double], _ w: [Double], rows: Int, k: Int, n: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows * n)
        for r in 0..<rows {
            for p in 0..<k {
                let xv = x[r * k + p]
                for j in 0..<n { out[r * n + j] += xv * w[p * n + j] }
            }
        }
        return out
    }

    /// T5LayerNorm: w · x / sqrt(mean(x²) + eps), per row of width `dim`.
    static func rmsNorm(_ x: [Double], _ w: [Double], dim: Int, eps: Double) -> [Double] {
        var out = x
        for r in 0..<(x.count / dim) {
            var meanSquare = 0.0
            for i in 0..<dim { meanSquare += x[r * dim + i] * x[r * dim + i] }
            let scale = 1 / (meanSquare / Double(dim) + eps).squareRoot()
            for i in 0..<dim { out[r * dim + i] = w[i] * x[r * dim + i] * scale }
        }
        return out
    }

    static func activate(_ v: Double, _ kind: Activation) -> Double {
        switch kind {
        case .relu: max(v, 0)
        case .geluNew: 0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
        case .gelu: 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
        case .silu: v / (1 + exp(-v))
        }
    }

    /// Dropout as a multiplier: mask · 1/(1 − p) for element `index` of site `site`, 1 when there is no dropout.
    struct Dropout {
        let probability: Double
        let seed: UInt64

        func factor(site: UInt32?, index: Int) -> Double {
            guard let site, probability > 0 else { return 1 }
            let key = DropoutKey(seed: seed, step: 0, layer: site)
            return Naive.dropoutKeeps(UInt64(index), probability: probability, key: key)
                ? Double(1 / Float(1 - probability)) : 0
        }
    }

    /// Multi-head attention of one sequence: softmax(Q Kᵀ + bias [+ causal mask]), dropped (site, offset), times V.
    /// q: (Lq, I), k, v: (Lk, I), heads side by side; bias(h, i, j) or nil.
    static func attend(q: [Double], k: [Double], v: [Double], lq: Int, lk: Int, heads: Int, dkv: Int,
                       bias: ((Int, Int, Int) -> Double)?, causal: Bool, dropout: Dropout, site: UInt32?,
                       offset: Int) -> [Double] {
        let inner = heads * dkv
        var out = [Double](repeating: 0, count: lq * inner)
        for h in 0..<heads {
            for i in 0..<lq {
                let valid = causal ? min(lk, i + 1) : lk
                var scores = [Double](repeating: 0, count: valid)
                for j in 0..<valid {
                    var s = 0.0
                    for c in 0..<dkv { s += q[i * inner + h * dkv + c] * k[j * inner + h * dkv + c] }
                    scores[j] = s + (bias?(h, i, j) ?? 0)
                }
                let top = scores.max() ?? 0
                let exps = scores.map { exp($0 - top) }
                let sum = exps.reduce(0, +)
                for j in 0..<valid {
                    let p = exps[j] / sum * dropout.factor(site: site, index: offset + (h * lq + i) * lk + j)
                    for c in 0..<dkv { out[i * inner + h * dkv + c] += p * v[j * inner + h * dkv + c] }
                }
            }
        }
        return out
    }

    /// x + dropout(o(attention)) for self-attention over packed segments: qkv = h · W (D, 3I).
    static func selfAttention(h: [Double], x: [Double], wqkv: [Double], wo: [Double], lengths: [Int], d: Int,
                              heads: Int, dkv: Int, bias: ((Int, Int, Int, Int) -> Double)?, causal: Bool,
                              dropout: Dropout, sites: (UInt32, UInt32)?) -> [Double] {
        let inner = heads * dkv, rows = lengths.reduce(0, +)
        let qkv = linear(h, wqkv, rows: rows, k: d, n: 3 * inner)
        var context = [Double](repeating: 0, count: rows * inner)
        var start = 0, offset = 0
        for length in lengths {
            // Rows of the segment, columns [column, column + I) of qkv: (L, I).
            func part(_ column: Int) -> [Double] {
                var out: [Double] = []
                for r in 0..<length {
                    let first = (start + r) * 3 * inner + column
                    out += qkv[first..<(first + inner)]
                }
                return out
            }
            let out = attend(q: part(0), k: part(inner), v: part(2 * inner), lq: length, lk: length, heads: heads,
                             dkv: dkv, bias: bias.map { b in { hh, i, j in b(length, hh, i, j) } }, causal: causal,
                             dropout: dropout, site: sites?.0, offset: offset)
            for i in 0..<(length * inner) { context[start * inner + i] = out[i] }
            start += length
            offset += heads * length * length
        }
        return residual(x, linear(context, wo, rows: rows, k: inner, n: d), dropout: dropout, site: sites?.1)
    }

    /// x + dropout(o(attention)) for cross-attention: segment j's queries (h · Wq) attend to sources[j] = (K, V).
    static func crossAttention(h: [Double], x: [Double], wq: [Double], wo: [Double], lengths: [Int],
                               sources: [(k: [Double], v: [Double], length: Int)], d: Int, heads: Int, dkv: Int,
                               dropout: Dropout, sites: (UInt32, UInt32)?) -> [Double] {
        let inner = heads * dkv, rows = lengths.reduce(0, +)
        let q = linear(h, wq, rows: rows, k: d, n: inner)
        var context = [Double](repeating: 0, count: rows * inner)
        var start = 0, offset = 0
        for (length, source) in zip(lengths, sources) {
            let out = attend(q: Array(q[(start * inner)..<((start + length) * inner)]), k: source.k, v: source.v,
                             lq: length, lk: source.length, heads: heads, dkv: dkv, bias: nil, causal: false,
                             dropout: dropout, site: sites?.0, offset: offset)
            for i in 0..<(length * inner) { context[start * inner + i] = out[i] }
            start += length
            offset += heads * length * source.length
        }
        return residual(x, linear(context, wo, rows: rows, k: inner, n: d), dropout: dropout, site: sites?.1)
    }

    /// x + dropout(wo(dropout(act(h · wi)))), gated: act(h · wi_0) · (h · wi_1) with wi = [wi_0 | wi_1] (D, 2F).
    static func feedForward(h: [Double], x: [Double], wi: [Double], wo: [Double], rows: Int, d: Int, f: Int,
                            activation: Activation, gated: Bool, dropout: Dropout, sites: (UInt32, UInt32)?)
        -> [Double] {
        let hidden = linear(h, wi, rows: rows, k: d, n: gated ? 2 * f : f)
        var product = [Double](repeating: 0, count: rows * f)
        for r in 0..<rows {
            for j in 0..<f {
                let value = gated ? activate(hidden[r * 2 * f + j], activation) * hidden[r * 2 * f + f + j]
                    : activate(hidden[r * f + j], activation)
                product[r * f + j] = value * dropout.factor(site: sites?.0, index: r * f + j)
            }
        }
        return residual(x, linear(product, wo, rows: rows, k: f, n: d), dropout: dropout, site: sites?.1)
    }

    /// x + dropout(y), element-wise.
    static func residual(_ x: [Double], _ y: [Double], dropout: Dropout, site: UInt32?) -> [Double] {
        x.indices.map { x[$0] + y[$0] * dropout.factor(site: site, index: $0) }
    }

    /// Σ weights ⊙ values: the scalar whose gradient w.r.t. `values` is `weights` (the upstream gradient).
    static func dot(_ values: [Double], _ weights: [Float]) -> Double {
        zip(values, weights).reduce(0) { $0 + $1.0 * Double($1.1) }
    }
}
