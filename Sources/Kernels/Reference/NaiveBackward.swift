// Naive twins of the backward kernels (Backward/*.swift): scalar Swift in Double, closed forms written out term by
// term from the forward definitions (HF modeling_t5 / activations.py, torch autograd). Each returns the gradient
// itself (not accumulated); tests compare the fast kernels against these and both against finite differences.
import Foundation

extension Naive {
    /// dInp (m, k) = dOut (m, n) · wᵀ and dWeight (k, n) = inpᵀ · dOut for out = inp (m, k) · w (k, n).
    public static func linearBackward(dOut: [Float], inp: [Float], weight: [Float], m: Int, k: Int, n: Int)
        -> (dInp: [Float], dWeight: [Float]) {
        var dInp = [Float](repeating: 0, count: m * k), dWeight = [Float](repeating: 0, count: k * n)
        for i in 0..<m {
            for p in 0..<k {
                var sum = 0.0
                for j in 0..<n { sum += Double(dOut[i * n + j]) * Double(weight[p * n + j]) }
                dInp[i * k + p] = Float(sum)
            }
        }
        for p in 0..<k {
            for j in 0..<n {
                var sum = 0.0
                for i in 0..<m { sum += Double(inp[i * k + p]) * Double(dOut[i * n + j]) }
                dWeight[p * n + j] = Float(sum)
            }
        }
        return (dInp, dWeight)
    }

    /// rstd (rows) = 1 / sqrt(mean(x²) + eps) per row of x (rows, dim).
    public static func rmsNormRstd(_ x: [Float], rows: Int, dim: Int, eps: Float) -> [Float] {
        (0..<rows).map { r in
            let sum = (0..<dim).reduce(0.0) { $0 + Double(x[r * dim + $1]) * Double(x[r * dim + $1]) }
            return Float(1 / (sum / Double(dim) + Double(eps)).squareRoot())
        }
    }

    /// T5LayerNorm backward from scratch: y_j = w_j x_j s, s = (Σx²/D + eps)^-½, ∂s/∂x_i = −s³ x_i / D.
    public static func rmsNormBackward(dOut: [Float], x: [Float], weight: [Float], rows: Int, dim: Int, eps: Float)
        -> (dInp: [Float], dWeight: [Float]) {
        var dInp = [Float](repeating: 0, count: rows * dim), dWeight = [Double](repeating: 0, count: dim)
        for r in 0..<rows {
            let xs = (0..<dim).map { Double(x[r * dim + $0]) }, dy = (0..<dim).map { Double(dOut[r * dim + $0]) }
            let s = 1 / (xs.reduce(0) { $0 + $1 * $1 } / Double(dim) + Double(eps)).squareRoot()
            // Σ_j dy_j ∂y_j/∂x_i = w_i dy_i s + Σ_j dy_j w_j x_j · (−s³ x_i / D)
            let dot = (0..<dim).reduce(0.0) { $0 + dy[$1] * Double(weight[$1]) * xs[$1] }
            for i in 0..<dim {
                dInp[r * dim + i] = Float(Double(weight[i]) * dy[i] * s - dot * s * s * s * xs[i] / Double(dim))
                dWeight[i] += dy[i] * xs[i] * s
            }
        }
        return (dInp, dWeight.map { Float($0) })
    }

    /// Softmax backward per row: ds_i = p_i (dp_i − Σ_j p_j dp_j) for i < valid[r], 0 after.
    public static func softmaxBackward(dOut: [Float], probs: [Float], valid: [Int], total: Int) -> [Float] {
        var ds = [Float](repeating: 0, count: valid.count * total)
        for (r, v) in valid.enumerated() {
            let dot = (0..<v).reduce(0.0) { $0 + Double(probs[r * total + $1]) * Double(dOut[r * total + $1]) }
            for i in 0..<v {
                ds[r * total + i] = Float(Double(probs[r * total + i]) * (Double(dOut[r * total + i]) - dot))
            }
        }
        return ds
    }

    /// act′(x) in Double: ReLU 1[x > 0]; gelu_new 0.5(1+t) + 0.5x(1−t²)c(1+3ax²); gelu Φ(x) + xφ(x); silu
    /// σ(x)(1 + x(1 − σ(x))).
    public static func activationGrad(_ x: Float, _ kind: Activation) -> Double {
        let v = Double(x)
        switch kind {
        case .relu: return v > 0 ? 1 : 0
        case .geluNew:
            let c = (2 / Double.pi).squareRoot(), a = 0.044715
            let t = Foundation.tanh(c * (v + a * v * v * v))
            return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * a * v * v)
        case .gelu:
            let pdf = Foundation.exp(-v * v / 2) / (2 * Double.pi).squareRoot()
            return 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot())) + v * pdf
        case .silu:
            let s = 1 / (1 + Foundation.exp(-v))
            return s * (1 + v * (1 - s))
        }
    }

    /// dInp (count) = dOut · act′(inp).
    public static func activationBackward(dOut: [Float], inp: [Float], _ kind: Activation) -> [Float] {
        zip(dOut, inp).map { Float(Double($0) * activationGrad($1, kind)) }
    }

    /// Gated backward: inp, result (rows, 2·width) = [gate | linear]; dOut (rows, width).
    public static func gatedBackward(dOut: [Float], inp: [Float], rows: Int, width: Int, _ kind: Activation) -> [Float] {
        var dInp = [Float](repeating: 0, count: rows * 2 * width)
        for r in 0..<rows {
            for i in 0..<width {
                let g = inp[r * 2 * width + i], l = Double(inp[r * 2 * width + width + i]), dy = Double(dOut[r * width + i])
                dInp[r * 2 * width + i] = Float(dy * l * activationGrad(g, kind))
                dInp[r * 2 * width + width + i] = Float(dy * Double(activation(g, kind)))
            }
        }
        return dInp
    }

    /// dTable (vocab, dim) = Σ_r onehot(ids[r]) ⊗ dOut[r] for dOut (ids.count, dim).
    public static func embeddingBackward(dOut: [Float], ids: [Int32], vocab: Int, dim: Int) -> [Float] {
        var dTable = [Double](repeating: 0, count: vocab * dim)
        for (r, id) in ids.enumerated() {
            for i in 0..<dim { dTable[Int(id) * dim + i] += Double(dOut[r * dim + i]) }
        }
        return dTable.map { Float($0) }
    }
}
