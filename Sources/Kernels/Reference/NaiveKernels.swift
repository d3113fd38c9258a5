// Naive, obviously-correct twins of every fast kernel (scalar Swift, Double accumulation where it matters).
// Tests compare the C kernels and the BLAS wrappers against these (llm.c's "version 1" kernels).
import Foundation

public enum Naive {
    /// out (m, n) = a (m, k) · b, b is (k, n) or, when `transposedB`, (n, k). Double accumulation.
    public static func matmul(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposedB: Bool = false) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let bv = transposedB ? b[j * k + p] : b[p * n + j]
                    sum += Double(a[i * k + p]) * Double(bv)
                }
                out[i * n + j] = Float(sum)
            }
        }
        return out
    }

    /// out (m, n) = alpha · a (m, k) · b (k, n) + beta · out, each output one fused multiply-add chain over k in
    /// ascending order, in Float: the exact arithmetic of the FMA variants of `Matmul.smallM`.
    public static func matmulFMAChain(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int,
                                      alpha: Float = 1, beta: Float = 0, out: [Float]? = nil) -> [Float] {
        var result = out ?? [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc: Float = 0
                for p in 0..<k { acc = acc.addingProduct(a[i * k + p], b[p * n + j]) }
                let scaled = alpha * acc
                result[i * n + j] = beta == 0 ? scaled : scaled.addingProduct(beta, result[i * n + j])
            }
        }
        return result
    }

    /// T5LayerNorm per row.
    public static func rmsNorm(_ x: [Float], weight: [Float], rows: Int, dim: Int, eps: Float) -> [Float] {
        var out = x
        for r in 0..<rows {
            var sum = 0.0
            for i in 0..<dim { sum += Double(x[r * dim + i]) * Double(x[r * dim + i]) }
            let rstd = 1 / (sum / Double(dim) + Double(eps)).squareRoot()
            for i in 0..<dim { out[r * dim + i] = Float(Double(weight[i]) * Double(x[r * dim + i]) * rstd) }
        }
        return out
    }

    /// softmax(row + bias) over the first `valid` entries, zeros after.
    public static func softmax(_ row: [Float], bias: [Float]?, valid: Int) -> [Float] {
        var z = (0..<valid).map { Double(row[$0]) + Double(bias?[$0] ?? 0) }
        let max = z.max()!
        z = z.map { Foundation.exp($0 - max) }
        let sum = z.reduce(0, +)
        return z.map { Float($0 / sum) } + [Float](repeating: 0, count: row.count - valid)
    }

    public static func logSoftmax(_ row: [Float]) -> [Float] {
        let lse = logSumExp(row)
        return row.map { Float(Double($0) - lse) }
    }

    public static func logSumExp(_ row: [Float]) -> Double {
        let max = Double(row.max()!)
        return max + Foundation.log(row.reduce(0.0) { $0 + Foundation.exp(Double($1) - max) })
    }

    public static func activation(_ x: Float, _ kind: Activation) -> Float {
        let v = Double(x)
        switch kind {
        case .relu: return Swift.max(x, 0)
        case .geluNew: return Float(0.5 * v * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v))))
        case .gelu: return Float(0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot())))
        case .silu: return Float(v / (1 + Foundation.exp(-v)))
        }
    }

    /// out (rows, width) = act(gate) * linear for inp (rows, 2·width) = [gate | linear].
    public static func gated(_ inp: [Float], rows: Int, width: Int, _ kind: Activation) -> [Float] {
        var out = [Float](repeating: 0, count: rows * width)
        for r in 0..<rows {
            for i in 0..<width {
                out[r * width + i] = activation(inp[r * 2 * width + i], kind) * inp[r * 2 * width + width + i]
            }
        }
        return out
    }
}
