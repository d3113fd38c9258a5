// Training side of `DecoderLayer` (autograd of HF modeling_t5.T5Block, decoder, teacher forcing): the block's tape
// and its backward through the feed-forward, the cross-attention (whose keys and values send their gradient to the
// encoder side) and the causal self-attention, each followed by its pre-norm. Legend: R = packed rows, D = dModel.
import Kernels

extension DecoderLayer {
    /// What the backward of one decoder block needs (its sub-layers' tapes).
    final class Tape {
        let selfAttentionNorm: LayerNorm.Tape
        let selfAttention: Attention.Tape
        let crossAttentionNorm: LayerNorm.Tape
        let crossAttention: Attention.Tape
        let feedForwardNorm: LayerNorm.Tape
        let feedForward: FeedForward.Tape

        init(selfAttentionNorm: LayerNorm.Tape, selfAttention: Attention.Tape, crossAttentionNorm: LayerNorm.Tape,
             crossAttention: Attention.Tape, feedForwardNorm: LayerNorm.Tape, feedForward: FeedForward.Tape) {
            self.selfAttentionNorm = selfAttentionNorm
            self.selfAttention = selfAttention
            self.crossAttentionNorm = crossAttentionNorm
            self.crossAttention = crossAttention
            self.feedForwardNorm = feedForwardNorm
            self.feedForward = feedForward
        }
    }

    /// In place: dx (R, D), the gradient w.r.t. the block's output, becomes the gradient w.r.t. its input.
    /// - Parameters:
    ///   - encoded: the encoder outputs segment j attended to (their cross keys and values of this layer).
    ///   - dEncoded: receives the gradient of those keys and values.
    ///   - biasGradients: receives the gradient of the decoder's bias rows per segment length, or nil.
    func backward(_ dx: UnsafeMutablePointer<Float>, tape: Tape, encoded: [EncoderOutput],
                  dEncoded: Attention.CrossKeyValueGradient, biasGradients: [Int: Tensor]?, workspace ws: Workspace) {
        let rows = tape.selfAttention.rows, count = rows.total * selfAttentionNorm.weight.count
        let dh = ws.zeroed(.dH, count: count)  // (R, D) gradient of the normed input of a sub-layer
        feedForward.backward(dResidual: dx, dInp: dh, tape: tape.feedForward, workspace: ws)
        feedForwardNorm.backward(dInp: dx, dOut: dh, tape: tape.feedForwardNorm)
        dh.update(repeating: 0, count: count)
        crossAttention.crossAttentionBackward(dResidual: dx, dInp: dh, tape: tape.crossAttention, encoded: encoded,
                                              layer: index, dEncoded: dEncoded, workspace: ws)
        crossAttentionNorm.backward(dInp: dx, dOut: dh, tape: tape.crossAttentionNorm)
        dh.update(repeating: 0, count: count)
        selfAttention.selfAttentionBackward(dResidual: dx, dInp: dh, tape: tape.selfAttention, causal: true,
                                            biasGradients: biasGradients, workspace: ws)
        selfAttentionNorm.backward(dInp: dx, dOut: dh, tape: tape.selfAttentionNorm)
    }
}
