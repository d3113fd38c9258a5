// Training side of `LMHead` (autograd of HF T5ForConditionalGeneration's `lm_head(sequence_output · d_model^-0.5)`):
// the backward to the final decoder states and to the head's weight, which for a tied checkpoint is the shared
// embedding (HF ties `lm_head.weight` to `shared.weight`), so its gradient lands in the embedding's.
// Legend: R = rows, D = dModel, V = vocab.
import Kernels

extension LMHead {
    /// Whether the head's weight receives a gradient: `lm_head.weight` when untied, the shared embedding when tied.
    func isTrainable(embedding: Embedding) -> Bool { projection?.isTrainable ?? embedding.isTrainable }

    /// Backward of logits (R, V) = scale · h (R, D) · W: dLogits is scaled in place (it is consumed), then
    /// dInp (R, D) += dLogits · Wᵀ and, when trainable, the weight gradient accumulates: lm_head.weight's (D, V) +=
    /// hᵀ · dLogits, or for a tied head the embedding's (V, D) += dLogitsᵀ · h. `inp` is the forward's h, needed
    /// only when trainable.
    func backward(dLogits: UnsafeMutablePointer<Float>, dInp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>?,
                  rows: Int, embedding: Embedding) {
        precondition(!isTrainable(embedding: embedding) || inp != nil, "a trainable LM head needs its input")
        let vocab = vocabSize, d = dModel
        if scale != 1 {
            for i in 0..<rows * vocab { dLogits[i] *= scale }
        }
        if let projection {
            projection.backward(dInp: dInp, dOut: dLogits, inp: inp, rows: rows)
            return
        }
        if let dTable = ShardGradients.accumulating(embedding, own: embedding.gradient), let inp {
            // dE (V, D) += dLogitsᵀ (V, R) · h (R, D)
            Matmul.gemm(m: vocab, n: d, k: rows, a: dLogits, lda: vocab, transposedA: true, b: inp, ldb: d,
                        transposedB: false, c: dTable.data, ldc: d, beta: 1)
        }
        // dInp (R, D) += dLogits (R, V) · E (V, D)
        Matmul.gemm(m: rows, n: d, k: vocab, a: dLogits, lda: vocab, b: embedding.table.data, ldb: d,
                    c: dInp, ldc: d, beta: 1)
    }
}
