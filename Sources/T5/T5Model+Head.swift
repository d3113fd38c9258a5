// The LM head and the shared embedding as `album bench` times them: the head the decoder runs, on states the caller
// provides, and the live embedding table (from which a benchmark builds the transposed-copy layout it compares).
import Kernels

extension T5Model {
    /// logits (R, V) = the model's LM head on final decoder states h (R, D), as a decode step computes them.
    public func headLogits(_ h: UnsafePointer<Float>, rows: Int, into logits: UnsafeMutablePointer<Float>) {
        weights.lmHead(h, rows: rows, into: logits)
    }

    /// The shared embedding table (V, D), live (not a copy).
    public var embeddingTable: Tensor { weights.embedding.table }

    /// The factor the head applies to decoder states: d_model^-0.5 for checkpoints that scale, else 1.
    public var headScale: Float { weights.lmHead.scale }
}
