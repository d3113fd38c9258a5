// Training side of `EncoderLayer` (autograd of HF modeling_t5.T5Block, encoder): the block's tape and its backward
// through the feed-forward, then the self-attention, each followed by its pre-norm; the residual stream's gradient
// passes through unchanged and every sub-layer adds its share. Legend: R = packed rows, D = dModel.
import Kernels

extension EncoderLayer {
    /// What the backward of one encoder block needs (its sub-layers' tapes).
    final class Tape {
        let selfAttentionNorm: LayerNorm.Tape
        let selfAttention: Attention.Tape
        let feedForwardNorm: LayerNorm.Tape
        let feedForward: FeedForward.Tape

        init(selfAttentionNorm: LayerNorm.Tape, selfAttention: Attention.Tape, feedForwardNorm: LayerNorm.Tape,
             feedForward: FeedForward.Tape) {
            self.selfAttentionNorm = selfAttentionNorm
            self.selfAttention = selfAttention
            self.feedForwardNorm = feedForwardNorm
            self.feedForward = feedForward
        }
    }

    /// In place: dx (R, D), the gradient w.r.t. the block's output, becomes the gradient w.r.t. its input; weights
    /// marked trainable accumulate their gradients, `biasGradients[L]` (H, 2L − 1) those of the bias rows.
    func backward(_ dx: UnsafeMutablePointer<Float>, tape: Tape, biasGradients: [Int: Tensor]?,
                  workspace ws: Workspace) {
        let rows = tape.selfAttention.rows, count = rows.total * selfAttentionNorm.weight.count
        let dh = ws.zeroed(.dH, count: count)  // (R, D) gradient of the normed input of a sub-layer
        feedForward.backward(dResidual: dx, dInp: dh, tape: tape.feedForward, workspace: ws)
        feedForwardNorm.backward(dInp: dx, dOut: dh, tape: tape.feedForwardNorm)
        dh.update(repeating: 0, count: count)
        selfAttention.selfAttentionBackward(dResidual: dx, dInp: dh, tape: tape.selfAttention, causal: false,
                                            biasGradients: biasGradients, workspace: ws)
        selfAttentionNorm.backward(dInp: dx, dOut: dh, tape: tape.selfAttentionNorm)
    }
}
