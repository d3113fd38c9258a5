// Port of HF T5ForConditionalGeneration's output: `lm_head` on the final decoder states, which tied checkpoints
// (T5 v1.0) first rescale by d_model^-0.5 and compute with the shared embedding. The head is stored as
// (dModel, vocab) = (K, N) for `Matmul.linear`: the checkpoint's own `lm_head.weight`, transposed at load, or for a
// tied checkpoint a transposed copy of the embedding (vocab · dModel · 4 extra bytes: 65.8 MB for t5-small,
// 98.7 MB for t5-base), because the small-M kernel streams it 1.5-3x faster than sgemm/sgemv over (vocab, dModel).
import Foundation
import Kernels

/// The LM head.
public final class LMHead: @unchecked Sendable {
    let projection: Linear  // (D, V)
    /// Whether the head reuses the shared embedding (then `projection` is a transposed copy of it).
    let isTied: Bool
    /// Applied to decoder outputs before the head: d_model^-0.5 for checkpoints that scale, else 1.
    let scale: Float

    init(projection: Linear, isTied: Bool, scale: Float) {
        self.projection = projection
        self.isTied = isTied
        self.scale = scale
    }

    /// The head of `config`: `own` ((D, V), from `lm_head.weight`) or, when nil, the transposed embedding.
    convenience init(own: Tensor?, embedding: Embedding, config: T5Config) {
        let scale = config.scalesDecoderOutput ? Float(pow(Double(config.dModel), -0.5)) : 1
        if let own {
            self.init(projection: Linear(names: ["lm_head.weight"], weight: own), isTied: false, scale: scale)
        } else {
            self.init(projection: Linear(names: [embedding.name], weight: embedding.table.transposed()), isTied: true,
                      scale: scale)
        }
    }

    /// logits (R, V) = scale · h (R, D) · W.
    func callAsFunction(_ h: UnsafePointer<Float>, rows: Int, into logits: UnsafeMutablePointer<Float>) {
        projection(h, rows: rows, into: logits, alpha: scale)
    }

    /// Parameters of the HF model it adds (none when tied).
    var parameterCount: Int { isTied ? 0 : projection.parameterCount }
}
