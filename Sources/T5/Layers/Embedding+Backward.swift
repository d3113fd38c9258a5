// Training side of the shared `Embedding` (autograd of torch.nn.Embedding, dense gradient): trainability and the
// scatter-add of row gradients into the table's gradient (kernel Kernels/Backward/EmbeddingBackward.swift).
// Legend: V = vocab, D = dModel.
import Kernels

extension Embedding {
    public var isTrainable: Bool { gradient != nil }

    /// Allocates a zero gradient (V, D) unless there is one already.
    public func makeTrainable() {
        if gradient == nil { gradient = Tensor(zeros: table.shape) }
    }

    public func freeze() { gradient = nil }

    /// gradient[ids[r]] += dOut (ids.count, D)[r] when trainable; nothing otherwise. Ids were validated by the pass.
    func backward(dOut: UnsafePointer<Float>, ids: [Int32]) {
        guard let gradient = ShardGradients.accumulating(self, own: gradient) else { return }
        embeddingBackward(dTable: gradient.data, dOut: dOut, ids: ids, vocab: vocabSize, dim: dModel)
    }
}
