// One request's encoder input as the model takes it: optional soft-prompt rows P (l, dModel) and token ids X.
// The model assembles [P ; E[X]] itself while packing rows, so callers never build the concatenation.
import Kernels

/// Encoder input of one request: `[prompt ; embed(tokens)]`.
public struct EncoderRow: @unchecked Sendable {
    /// Soft-prompt rows (l, dModel) prepended to the tokens, or nil for none.
    public let prompt: Tensor?
    /// Token ids (`</s>` included when the caller wants it).
    public let tokens: [Int32]

    public init(prompt: Tensor?, tokens: [Int32]) {
        self.prompt = prompt
        self.tokens = tokens
    }

    /// Encoder positions: l + n.
    public var length: Int { (prompt?.shape[0] ?? 0) + tokens.count }
}
