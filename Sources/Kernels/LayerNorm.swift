// torch.nn.LayerNorm with an affine weight and bias (eps 1e-5 by default): the LayerNorm of SPE's module G
// (spe-method §6.1, §7.2), forward recording mean and rstd, and its backward (llm.c layernorm_forward/backward).
// Loops in C (training.c), naive twins in Reference/NaiveLayerNorm.swift.
// Legend: rows = vectors normalised independently, dim = their width.
import CKernels

/// out (rows, dim) = (inp − mean) · rstd · weight (dim) + bias (dim), with mean and rstd = 1/sqrt(var + eps)
/// (biased variance, as torch) per row, recorded in `mean` (rows) and `rstd` (rows) when not nil. `out` may alias
/// `inp` only when no backward follows.
public func layerNormForward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?,
                             rstd: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                             rows: Int, dim: Int, eps: Float = 1e-5) {
    precondition(rows >= 0 && dim >= 1, "layerNormForward: bad shape (\(rows), \(dim))")
    album_layernorm_forward(out, mean, rstd, inp, weight, bias, rows, dim, eps)
}

/// Backward of `layerNormForward`; gradients ADD into their buffers.
/// - Parameters:
///   - dInp: (rows, dim) += rstd · (g − mean(g) − x̂ · mean(g · x̂)), g = dOut · weight, x̂ = (x − mean) · rstd.
///   - dWeight: (dim) += Σ_rows dOut · x̂; nil when frozen.
///   - dBias: (dim) += Σ_rows dOut; nil when frozen.
///   - dOut: (rows, dim); inp: (rows, dim); weight: (dim); mean, rstd: (rows) from `layerNormForward`.
public func layerNormBackward(dInp: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>?,
                              dBias: UnsafeMutablePointer<Float>?, dOut: UnsafePointer<Float>,
                              inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, dim: Int) {
    precondition(rows >= 0 && dim >= 1, "layerNormBackward: bad shape (\(rows), \(dim))")
    album_layernorm_backward(dInp, dWeight, dBias, dOut, inp, weight, mean, rstd, rows, dim)
}
