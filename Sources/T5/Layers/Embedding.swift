// Port of HF modeling_t5's shared nn.Embedding (`shared.weight`, aliased as encoder/decoder `embed_tokens`): T5
// scales nothing at the input. Ids from outside are checked here, once, and rejected with an error.
import Kernels

/// The shared token embedding, (vocab, dModel).
public final class Embedding: @unchecked Sendable {
    /// HF name of the table.
    public let name: String
    let table: Tensor  // (V, D)
    /// ∂loss/∂table (V, D) when trainable, else nil (Embedding+Backward.swift). For a tied checkpoint the LM head's
    /// gradient lands here too (HF ties `lm_head.weight` to `shared.weight`).
    public internal(set) var gradient: Tensor?

    init(name: String, table: Tensor) {
        self.name = name
        self.table = table
    }

    var vocabSize: Int { table.shape[0] }
    var dModel: Int { table.shape[1] }

    /// Throws `.invalidTokenID` for the first id outside 0..<vocab.
    func validate(_ ids: [Int32]) throws(T5Error) {
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabSize }) {
            throw .invalidTokenID(id: bad, vocabSize: vocabSize)
        }
    }

    /// Copies the rows of `ids` (already validated) into out (ids.count, D).
    func gather(_ ids: [Int32], into out: UnsafeMutablePointer<Float>) {
        let d = dModel
        for (row, id) in ids.enumerated() {
            assert(id >= 0 && Int(id) < vocabSize, "token id \(id) outside the vocabulary")
            (out + row * d).update(from: table.data + Int(id) * d, count: d)
        }
    }

    var parameterCount: Int { table.count }
}
