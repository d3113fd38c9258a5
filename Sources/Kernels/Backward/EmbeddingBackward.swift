// Backward of the token-embedding lookup (torch.nn.Embedding, dense gradient): a scatter-add of gradient rows into
// the table's gradient, in row order (deterministic; repeated ids accumulate). Naive twin: Naive.embeddingBackward.
import CKernels

/// dTable (vocab, dim)[ids[r]] += dOut (rows, dim)[r] for every row r, rows = ids.count.
/// Every id must be in 0..<vocab (the tokenizer and the model validate ids before a pass).
public func embeddingBackward(dTable: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, ids: [Int32],
                              vocab: Int, dim: Int) {
    precondition(dim >= 0, "embeddingBackward: negative dim")
    for (r, id) in ids.enumerated() {
        precondition(id >= 0 && Int(id) < vocab, "embeddingBackward: id \(id) of row \(r) outside 0..<\(vocab)")
        album_add(dTable + Int(id) * dim, dOut + r * dim, dim)
    }
}
