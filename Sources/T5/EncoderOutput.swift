// What the decoder needs from one encoded request: the final encoder states and, per decoder layer, the
// cross-attention keys and values (computed once in `encode`, shared by every decode step and every beam).
import Kernels

public final class EncoderOutput: @unchecked Sendable {
    /// Final encoder hidden states after `encoder.final_layer_norm`, (length, dModel).
    public let hidden: Tensor
    /// Per decoder layer: EncDecAttention keys and values, each (length, inner) with heads side by side.
    public let crossKeys: [Tensor]
    public let crossValues: [Tensor]

    /// Number of encoder positions (prompt rows + input tokens).
    public var length: Int { hidden.shape[0] }

    init(hidden: Tensor, crossKeys: [Tensor], crossValues: [Tensor]) {
        self.hidden = hidden
        self.crossKeys = crossKeys
        self.crossValues = crossValues
    }
}
