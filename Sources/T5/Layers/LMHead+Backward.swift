// Training side of `LMHead` (autograd of HF T5ForConditionalGeneration's `lm_head(sequence_output · d_model^-0.5)`):
// the backward to the final decoder states and to the head's weight, which for a tied checkpoint is the shared
// embedding (HF ties `lm_head.weight` to `shared.weight`), so its gradient lands in the embedding's.
// Legend: R = rows, D = dModel, V = vocab.
import Kernels

extension LMHead {
    /// Whether the head's weight receives a gradient: `lm_head.weight` when untied, the shared embedding when tied.
    func isTrainable(embedding: Embedding) -> Bool { isTied ? embedding.isTrainable : projection.isTrainable }

    /// Backward of logits (R, V) = scale · h (R, D) · W: dLogits is scaled in place (it is consumed), then
    /// dInp (R, D) += dLogits · Wᵀ and, when trainable, the weight gradient accumulates: lm_head.weight's (D, V) +=
    /// hᵀ · dLogits, or for a tied head the embedding's (V, D) += dLogitsᵀ · h. `inp` is the forward's h, needed
    /// only when trainable.
    func backward(dLogits: UnsafeMutablePointer<Float>, dInp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>?,
                  rows: Int, embedding: Embedding) {
        precondition(!isTrainable(embedding: embedding) || inp != nil, "a trainable LM head needs its input")
        let vocab = projection.outFeatures, d = projection.inFeatures
        if scale != 1 {
            for i in 0..<rows * vocab { dLogits[i] *= scale }
        }
        if isTied {
            if let dTable = ShardGradients.accumulating(embedding, own: embedding.gradient), let inp {
                // dE (V, D) += dLogitsᵀ (V, R) · h (R, D)
                Matmul.gemm(m: vocab, n: d, k: rows, a: dLogits, lda: vocab, transposedA: true, b: inp, ldb: d,
                            transposedB: false, c: dTable.data, ldc: d, beta: 1)
            }
            projection.backward(dInp: dInp, dOut: dLogits, inp: nil, rows: rows)  // the copy itself is never trained
        } else {
            projection.backward(dInp: dInp, dOut: dLogits, inp: inp, rows: rows)
        }
    }

    /// A tied head computes with a transposed copy of the embedding: after the embedding changed (an optimizer
    /// step), copy it again so that serving and the next pass see the new values.
    func refresh(from embedding: Embedding) {
        guard isTied else { return }
        let table = embedding.table, vocab = table.shape[0], d = table.shape[1], weight = projection.weight
        for v in 0..<vocab {
            for k in 0..<d { weight.data[k * vocab + v] = table.data[v * d + k] }  // (D, V) ← (V, D)
        }
    }
}
