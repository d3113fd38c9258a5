// Backward of `attend` for one sequence and all heads (autograd of HF eager_attention_forward with scaling 1):
// P' = dropout(P), out = P'·V  →  dV += P'ᵀ·dO, dP' = dO·Vᵀ, dP = dropout′(dP'), dS = softmax′(P, dP) (also the
// gradient of the additive position bias), dQ += dS·K, dK += dSᵀ·Q. The probabilities come from the forward's
// recording; the dropout mask is regenerated from its key once (P'), and dP's mask read off P'. Legend: Lq = queries,
// Lk = keys, dkv = head dim.
import Kernels

/// Gradients of one sequence's attention; every gradient is ADDED into its buffer.
/// - Parameters:
///   - dOut: (Lq, ·) gradient of `out`, row stride `lddo`, head h at column h·dkv.
///   - q, k, v: the forward inputs with their row strides (as in `attend`).
///   - probabilities: (H, Lq, Lk) the recorded softmax outputs, before dropout.
///   - dropout: the recording's dropout (probability, site, this sequence's offset), nil when off.
///   - dQ, dK, dV: (Lq, ·), (Lk, ·), (Lk, ·) gradients with row strides `lddq`, `lddk`, `lddv`.
///   - dBias: pointer to the gradient of the bias row of (head, query) over keys 0..<Lk, or nil.
///   - scratch: ≥ 2·Lq·Lk floats.
func attendBackward(dOut: UnsafePointer<Float>, lddo: Int,
                    q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
                    v: UnsafePointer<Float>, ldv: Int, queries lq: Int, keys lk: Int, shape: AttentionShape,
                    probabilities: UnsafePointer<Float>, dropout: (probability: Double, site: DropoutKey, offset: Int)?,
                    dQ: UnsafeMutablePointer<Float>, lddq: Int, dK: UnsafeMutablePointer<Float>, lddk: Int,
                    dV: UnsafeMutablePointer<Float>, lddv: Int,
                    dBias: ((Int, Int) -> UnsafeMutablePointer<Float>)?, causal: Bool,
                    scratch: UnsafeMutablePointer<Float>) {
    let dkv = shape.headDim, count = lq * lk
    guard count > 0 else { return }
    let dProbabilities = scratch            // (Lq, Lk) dP', then dP
    let dScores = scratch + count           // (Lq, Lk) P' first, then dS
    for h in 0..<shape.heads {
        let p = probabilities + h * count   // (Lq, Lk)
        let dOh = dOut + h * dkv, qh = q + h * dkv, kh = k + h * dkv, vh = v + h * dkv
        // P' (Lq, Lk): the probabilities as they multiplied V.
        var dropped = p
        if let dropout {
            dropoutForward(out: dScores, inp: p, count: count, probability: dropout.probability, key: dropout.site,
                           offset: dropout.offset + h * count)
            dropped = UnsafePointer(dScores)
        }
        // dV_h (Lk, dkv) += P'ᵀ (Lk, Lq) · dO_h (Lq, dkv)
        Matmul.gemm(m: lk, n: dkv, k: lq, a: dropped, lda: lk, transposedA: true, b: dOh, ldb: lddo,
                    transposedB: false, c: dV + h * dkv, ldc: lddv, beta: 1)
        // dP' (Lq, Lk) = dO_h (Lq, dkv) · V_hᵀ (dkv, Lk)
        Matmul.gemm(m: lq, n: lk, k: dkv, a: dOh, lda: lddo, transposedA: false, b: vh, ldb: ldv,
                    transposedB: true, c: dProbabilities, ldc: lk, beta: 0)
        if let dropout {
            // dP = dP' · mask / (1 − p), the mask read off P' (in dScores) instead of drawn again: they differ only
            // where P = 0, and softmax′ below multiplies dP by P.
            dropoutGradient(dProbabilities, like: dScores, count: count, probability: dropout.probability)
        }
        // dS (Lq, Lk) = P ⊙ (dP − Σ P·dP) on each row's valid prefix; the bias gradient is the same dS.
        dScores.update(repeating: 0, count: count)
        for i in 0..<lq {
            let valid = causal ? min(lk, i + 1) : lk
            softmaxRowBackward(dInp: dScores + i * lk, dBias: dBias?(h, i), dOut: dProbabilities + i * lk,
                               probs: p + i * lk, valid: valid, total: lk)
        }
        // dQ_h (Lq, dkv) += dS (Lq, Lk) · K_h (Lk, dkv)
        Matmul.gemm(m: lq, n: dkv, k: lk, a: dScores, lda: lk, transposedA: false, b: kh, ldb: ldk,
                    transposedB: false, c: dQ + h * dkv, ldc: lddq, beta: 1)
        // dK_h (Lk, dkv) += dSᵀ (Lk, Lq) · Q_h (Lq, dkv)
        Matmul.gemm(m: lk, n: dkv, k: lq, a: dScores, lda: lk, transposedA: true, b: qh, ldb: ldq,
                    transposedB: false, c: dK + h * dkv, ldc: lddk, beta: 1)
    }
}
