// T5LayerNorm as a kernel: RMS normalisation without mean subtraction or bias, variance in fp32.
// Port of HF modeling_t5.T5LayerNorm.forward; the loop itself is C (album_rmsnorm), naive twin in Reference/.
import CKernels

/// out (rows, dim) = weight (dim) * x * rsqrt(mean(x²) + eps), row by row. `out` may alias `inp`.
public func rmsNorm(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                    rows: Int, dim: Int, eps: Float) {
    album_rmsnorm(out, inp, weight, rows, dim, eps)
}
