// Port of HF T5ForConditionalGeneration's output: `lm_head` on the final decoder states, which tied checkpoints
// (T5 v1.0) first rescale by d_model^-0.5 and compute with the shared embedding. An untied head is the checkpoint's
// own `lm_head.weight`, stored transposed as (dModel, vocab) = (K, N) for `Matmul.linear`. A tied head computes
// straight from the embedding's (vocab, dModel) table, the same storage (no copy): the row-dot kernel of
// `TableProduct` reads each vocabulary row once for a decode step's rows, sgemm with a transposed B above that.
import Foundation
import Kernels

/// The LM head.
public final class LMHead: @unchecked Sendable {
    /// An untied head's weight (D, V); nil when tied.
    let projection: Linear?
    /// A tied head's table: the shared embedding's (V, D) tensor itself; nil when untied.
    let table: Tensor?
    /// Applied to decoder outputs before the head: d_model^-0.5 for checkpoints that scale, else 1.
    let scale: Float

    /// Whether the head reuses the shared embedding.
    var isTied: Bool { projection == nil }
    /// V and D.
    var vocabSize: Int { projection?.outFeatures ?? table!.shape[0] }
    var dModel: Int { projection?.inFeatures ?? table!.shape[1] }

    /// The head of `config`: `own` ((D, V), from `lm_head.weight`) or, when nil, the embedding's table.
    init(own: Tensor?, embedding: Embedding, config: T5Config) {
        scale = config.scalesDecoderOutput ? Float(pow(Double(config.dModel), -0.5)) : 1
        if let own {
            projection = Linear(names: ["lm_head.weight"], weight: own)
            table = nil
        } else {
            projection = nil
            table = embedding.table
        }
    }

    /// `--precision int8` on a tied head: Eᵀ (D, V) quantized per vocabulary entry, a quarter of the embedding's
    /// bytes; logits come back in fp32 for the fp32 log-softmax. Nil otherwise.
    private(set) var quantized: Int8Weight?

    /// Stores the head in int8 (inference only; a trainable head stays fp32): an untied weight is converted in
    /// place, a tied head gets an int8 copy of Eᵀ (the fp32 embedding stays for the input lookup).
    func quantize() {
        if let projection {
            projection.convert(to: .int8)
        } else if quantized == nil, let table {
            quantized = Int8Weight(quantizing: table.transposed())  // (D, V)
        }
    }

    /// Bytes of the head's own storage: an untied weight or a tied head's int8 copy (a tied fp32 head owns none).
    var byteCount: Int { projection?.byteCount ?? quantized?.byteCount ?? 0 }

    /// logits (R, V) = scale · h (R, D) · W, W = lm_head.weight (D, V) or Eᵀ for a tied head.
    func callAsFunction(_ h: UnsafePointer<Float>, rows: Int, into logits: UnsafeMutablePointer<Float>) {
        if let quantized {
            quantized.linear(h, rows: rows, into: logits, alpha: scale)
        } else if let projection {
            projection(h, rows: rows, into: logits, alpha: scale)
        } else if let table {
            let (v, d) = (table.shape[0], table.shape[1])
            TableProduct.multiply(m: rows, v: v, d: d, h: h, ldh: d, table: table.data, ldt: d, out: logits, ldo: v,
                                  alpha: scale)
        }
    }

    /// Parameters of the HF model it adds (none when tied).
    var parameterCount: Int { projection?.parameterCount ?? 0 }
}
