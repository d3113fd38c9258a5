// Naive twin of LayerNorm.swift (torch.nn.LayerNorm with weight and bias): forward and backward in Double, the
// backward as the explicit Jacobian-vector product of y_j = (x_j − μ) s γ_j + β_j, s = (var + eps)^-½.
import Foundation

extension Naive {
    /// out (rows, dim), mean (rows), rstd (rows) of torch.nn.LayerNorm (biased variance).
    public static func layerNorm(_ x: [Float], weight: [Float], bias: [Float], rows: Int, dim: Int, eps: Float)
        -> (out: [Float], mean: [Float], rstd: [Float]) {
        var out = [Float](repeating: 0, count: rows * dim), means = [Float](), rstds = [Float]()
        for r in 0..<rows {
            let xs = (0..<dim).map { Double(x[r * dim + $0]) }
            let mu = xs.reduce(0, +) / Double(dim)
            let variance = xs.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(dim)
            let s = 1 / (variance + Double(eps)).squareRoot()
            for i in 0..<dim { out[r * dim + i] = Float((xs[i] - mu) * s * Double(weight[i]) + Double(bias[i])) }
            means.append(Float(mu))
            rstds.append(Float(s))
        }
        return (out, means, rstds)
    }

    /// Gradients of Σ dOut·y w.r.t. x (rows, dim), weight (dim) and bias (dim).
    /// ∂y_j/∂x_i = γ_j s (δ_ij − 1/D − x̂_j x̂_i / D), x̂ = (x − μ) s.
    public static func layerNormBackward(dOut: [Float], x: [Float], weight: [Float], rows: Int, dim: Int, eps: Float)
        -> (dInp: [Float], dWeight: [Float], dBias: [Float]) {
        var dInp = [Float](repeating: 0, count: rows * dim)
        var dWeight = [Double](repeating: 0, count: dim), dBias = [Double](repeating: 0, count: dim)
        for r in 0..<rows {
            let xs = (0..<dim).map { Double(x[r * dim + $0]) }
            let mu = xs.reduce(0, +) / Double(dim)
            let s = 1 / (xs.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(dim) + Double(eps)).squareRoot()
            let xhat = xs.map { ($0 - mu) * s }
            for i in 0..<dim {
                var sum = 0.0
                for j in 0..<dim {
                    let delta: Double = i == j ? 1 : 0
                    let jacobian = Double(weight[j]) * s * (delta - 1 / Double(dim) - xhat[j] * xhat[i] / Double(dim))
                    sum += Double(dOut[r * dim + j]) * jacobian
                }
                dInp[r * dim + i] = Float(sum)
                dWeight[i] += Double(dOut[r * dim + i]) * xhat[i]
                dBias[i] += Double(dOut[r * dim + i])
            }
        }
        return (dInp, dWeight.map { Float($0) }, dBias.map { Float($0) })
    }
}
