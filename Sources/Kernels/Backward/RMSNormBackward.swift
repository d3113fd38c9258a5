// T5LayerNorm (RMS normalisation, no mean, no bias, variance in fp32) for training: a forward that records the
// per-row rstd and the backward that uses it (llm.c layernorm_forward/backward without the mean; autograd of HF
// modeling_t5.T5LayerNorm.forward). Loops in C (training.c), naive twins in Reference/NaiveBackward.swift.
// Legend: rows = tokens, dim = d_model.
import CKernels

/// out (rows, dim) = weight (dim) * inp * rstd with rstd (rows) = rsqrt(mean(inp²) + eps), recorded when `rstd` is
/// not nil. Bit-identical to `rmsNorm`, so a training forward reproduces the inference forward. `out` may alias
/// `inp` only when no backward follows (the backward needs `inp`).
public func rmsNormForward(out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>?,
                           inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, dim: Int, eps: Float) {
    precondition(rows >= 0 && dim >= 1, "rmsNormForward: bad shape (\(rows), \(dim))")
    album_rmsnorm_forward(out, rstd, inp, weight, rows, dim, eps)
}

/// Backward of `rmsNormForward`; gradients ADD into their buffers.
/// - Parameters:
///   - dInp: (rows, dim) += w·dy·rstd − x·rstd³·Σ(w·dy·x)/dim.
///   - dWeight: (dim) += Σ_rows dy·x·rstd; nil for a frozen weight.
///   - dOut: (rows, dim) gradient of the output.
///   - inp: (rows, dim) forward input; weight: (dim); rstd: (rows) recorded by `rmsNormForward`.
public func rmsNormBackward(dInp: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>?,
                            dOut: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                            rstd: UnsafePointer<Float>, rows: Int, dim: Int) {
    precondition(rows >= 0 && dim >= 1, "rmsNormBackward: bad shape (\(rows), \(dim))")
    album_rmsnorm_backward(dInp, dWeight, dOut, inp, weight, rstd, rows, dim)
}
