// Scaled-dot-product attention as T5 does it (no 1/sqrt(d_kv) scale), for one sequence and all heads:
// out_h = softmax(Q_h K_hᵀ + bias_h [+ causal mask]) V_h. Port of HF eager_attention_forward with scaling = 1.
// Q, K, V are strided views into fused buffers (heads side by side, d_kv columns each).
// Legend: Lq = queries, Lk = keys, H = heads, dkv = head dim.
import Kernels

struct AttentionShape {
    let heads: Int
    let headDim: Int
}

/// Runs attention for one sequence over all heads.
/// - Parameters:
///   - q: (Lq, ·) with row stride `ldq`; head h at column h·dkv. k, v likewise with `ldk`, `ldv`.
///   - out: (Lq, ·) with row stride `ldo`; head h written at column h·dkv.
///   - scores: scratch of ≥ Lq·Lk floats.
///   - bias: bias row pointer for (head, query) over keys 0..<Lk, or nil for none (cross-attention).
///   - causal: query i sees keys 0...i + `causalOffset` only.
func attend(q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int, v: UnsafePointer<Float>, ldv: Int,
            queries lq: Int, keys lk: Int, shape: AttentionShape,
            out: UnsafeMutablePointer<Float>, ldo: Int, scores: UnsafeMutablePointer<Float>,
            bias: ((Int, Int) -> UnsafePointer<Float>)?, causal: Bool, causalOffset: Int = 0) {
    let dkv = shape.headDim
    for h in 0..<shape.heads {
        let qh = q + h * dkv, kh = k + h * dkv, vh = v + h * dkv, oh = out + h * dkv
        if lq == 1 {
            // Decode: scores (Lk) = K_h (Lk, dkv) · q_h ; out_h (dkv) = V_hᵀ · p.
            Matmul.gemv(rows: lk, columns: dkv, a: kh, lda: ldk, transposed: false, x: qh, y: scores)
            let valid = causal ? min(lk, 1 + causalOffset) : lk
            softmaxRow(scores, bias: bias?(h, 0), valid: valid, total: lk)
            Matmul.gemv(rows: valid, columns: dkv, a: vh, lda: ldv, transposed: true, x: scores, y: oh)
        } else {
            // scores (Lq, Lk) = Q_h · K_hᵀ
            Matmul.gemm(m: lq, n: lk, k: dkv, a: qh, lda: ldq, b: kh, ldb: ldk, transposedB: true, c: scores, ldc: lk)
            for i in 0..<lq {
                let valid = causal ? min(lk, i + 1 + causalOffset) : lk
                softmaxRow(scores + i * lk, bias: bias?(h, i), valid: valid, total: lk)
            }
            // out_h (Lq, dkv) = P (Lq, Lk) · V_h (Lk, dkv)
            Matmul.gemm(m: lq, n: dkv, k: lk, a: scores, lda: lk, b: vh, ldb: ldv, c: oh, ldc: ldo)
        }
    }
}
