// The numeric precision of a model's linear layers, chosen per server (`--precision`). Embeddings, layer norms,
// softmax, SPE and the LM head's log-softmax stay fp32 in every mode (performance notes §8).
/// Storage and arithmetic of the linear layers.
public enum Precision: String, CaseIterable, Sendable, LosslessStringConvertible {
    /// fp32 weights, fp32 OpenBLAS / small-M kernel: the reference, exact against HF in fp32.
    case fp32
    /// bf16 weights (half the memory), widened to fp32 on the fly: fp32 arithmetic on rounded weights.
    case bf16
    /// int8 weights per output channel, activations quantized per row, u8·s8 → s32 products (oneDNN).
    case int8

    public var description: String { rawValue }

    /// `fp32`, `bf16` or `int8`.
    public init?(_ description: String) { self.init(rawValue: description) }
}
