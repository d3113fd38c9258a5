// Training side of `Attention` (autograd of HF modeling_t5.T5Attention + the residual add of T5LayerSelfAttention /
// T5LayerCrossAttention): what a recording forward keeps, and the backward to the normed input h, to the relative
// position bias (self-attention, through the bias rows of each length) and to the encoder's cross-attention keys and
// values (cross-attention, into the gradient of the fused cross-K/V projection's output).
// Legend: R = packed rows, D = dModel, I = inner = heads·d_kv, Lq/Lk = query/key length of a segment.
import Kernels

extension Attention {
    /// What the backward of one attention application needs; released by the caller once consumed.
    final class Tape {
        let pass: TrainingPass
        let rows: PackedRows
        /// Key length of each segment (its own length, or its encoder output's for cross-attention).
        let keys: [Int]
        /// (R, D) the normed input h, kept only when the projection is trainable.
        let input: Tensor?
        /// Self: (R, 3I) = [q | k | v]; cross: (R, I) = q.
        let projected: Tensor
        /// (R, I) attention output before `o`, kept only when `o` is trainable.
        let context: Tensor?
        /// Per segment j, (H, Lq_j, Lk_j) softmax probabilities before dropout, back to back.
        let probabilities: Tensor
        /// Start of segment j in `probabilities` (also its offset in the probability dropout's stream).
        let probabilityOffsets: [Int]
        let probabilitySite: DropoutKey?
        let outputSite: DropoutKey?

        /// Allocates the recording of `attention` over `rows` (the decoder's or the encoder's) and copies the input
        /// h (R, D) when it is needed.
        init(_ attention: Attention, pass: TrainingPass, rows: PackedRows, keys: [Int], decoder: Bool,
             input h: UnsafePointer<Float>) {
            self.pass = pass
            self.rows = rows
            self.keys = keys
            let total = rows.total, inner = attention.inner
            if attention.projection.isTrainable {
                let input = Tensor(uninitialized: [total, attention.projection.inFeatures])  // (R, D)
                input.data.update(from: h, count: input.count)
                self.input = input
            } else {
                input = nil
            }
            projected = Tensor(uninitialized: [total, attention.projection.outFeatures])
            context = attention.o.isTrainable ? Tensor(uninitialized: [total, inner]) : nil
            var offsets: [Int] = [], size = 0
            for (length, keyLength) in zip(rows.lengths, keys) {
                offsets.append(size)
                size += attention.shape.heads * length * keyLength
            }
            probabilities = Tensor(uninitialized: [size])
            probabilityOffsets = offsets
            let placement = pass.placement
            let earlierProbabilities = attention.isCross ? placement.crossProbabilities
                : decoder ? placement.decoderSelfProbabilities : placement.encoderSelfProbabilities
            probabilitySite = pass.dropoutSite(firstElement: attention.shape.heads * earlierProbabilities)
            outputSite = pass.dropoutSite(firstElement: pass.firstElement(width: attention.o.outFeatures, decoder: decoder))
        }

        /// Where `attend` keeps segment `segment`'s probabilities; `scratch` (≥ Lq·Lk) takes their dropped copy.
        func recording(segment: Int, scratch: UnsafeMutablePointer<Float>) -> AttentionRecording {
            AttentionRecording(probabilities: probabilities.data + probabilityOffsets[segment],
                               dropout: probabilitySite.map { (pass, $0, probabilityOffsets[segment]) },
                               scratch: scratch)
        }

        func dropout(segment: Int) -> (probability: Double, site: DropoutKey, offset: Int)? {
            probabilitySite.map { (pass.dropout, $0, probabilityOffsets[segment]) }
        }
    }

    /// Where cross-attention sends the gradient of the encoder's keys and values: the gradient (R_enc, width) of
    /// the fused cross-K/V projection's output, whose columns [2I·layer, 2I·layer + I) hold layer's keys and the next
    /// I its values, and the first encoder row of each decoder segment's source.
    struct CrossKeyValueGradient {
        let data: UnsafeMutablePointer<Float>  // (R_enc, width)
        let width: Int
        let encoderOffsets: [Int]
    }

    /// Backward of `selfAttend`: dInp (R, D) += ∂/∂h given dResidual (R, D), the gradient of the residual stream
    /// after the add. Weight gradients accumulate for trainable projections; `biasGradients[L]` (H, 2L − 1), when
    /// given, receives the gradient of the bias rows of length L (`RelativePositionBias.vectors`).
    func selfAttentionBackward(dResidual: UnsafePointer<Float>, dInp: UnsafeMutablePointer<Float>, tape: Tape,
                               causal: Bool, biasGradients: [Int: Tensor]?, workspace ws: Workspace) {
        let inner = inner, rows = tape.rows, total = rows.total
        let dContext = outputBackward(dResidual: dResidual, tape: tape, workspace: ws)  // (R, I)
        let dQKV = ws.zeroed(.dProjected, count: total * 3 * inner)                      // (R, 3I)
        let scratch = ws.buffer(.dScores, count: 2 * rows.maxLength * rows.maxLength)
        for i in 0..<rows.count where rows.lengths[i] > 0 {
            let length = rows.lengths[i], offset = rows.offsets[i] * 3 * inner
            let base = tape.projected.data + offset, dBase = dQKV + offset
            let dBias = biasGradients?[length].map { vectors in
                { (head: Int, query: Int) in vectors.data + head * (2 * length - 1) + (length - 1 - query) }
            }
            attendBackward(dOut: dContext + rows.offsets[i] * inner, lddo: inner,
                           q: base, ldq: 3 * inner, k: base + inner, ldk: 3 * inner, v: base + 2 * inner,
                           ldv: 3 * inner, queries: length, keys: length, shape: shape,
                           probabilities: tape.probabilities.data + tape.probabilityOffsets[i],
                           dropout: tape.dropout(segment: i),
                           dQ: dBase, lddq: 3 * inner, dK: dBase + inner, lddk: 3 * inner,
                           dV: dBase + 2 * inner, lddv: 3 * inner, dBias: dBias, causal: causal, scratch: scratch)
        }
        projection.backward(dInp: dInp, dOut: dQKV, inp: tape.input?.data, rows: total)
    }

    /// Backward of `crossAttend`: dInp (R, D) += ∂/∂h, and the keys and values of `layer` in `encoded[j]` add their
    /// gradient into `dEncoded`.
    func crossAttentionBackward(dResidual: UnsafePointer<Float>, dInp: UnsafeMutablePointer<Float>, tape: Tape,
                                encoded: [EncoderOutput], layer: Int, dEncoded: CrossKeyValueGradient,
                                workspace ws: Workspace) {
        let inner = inner, rows = tape.rows, total = rows.total
        let dContext = outputBackward(dResidual: dResidual, tape: tape, workspace: ws)  // (R, I)
        let dQ = ws.zeroed(.dProjected, count: total * inner)                            // (R, I)
        let keys = encoded.map(\.length).max() ?? 0
        let scratch = ws.buffer(.dScores, count: 2 * rows.maxLength * keys)
        for j in 0..<rows.count where rows.lengths[j] > 0 {
            let source = encoded[j], width = dEncoded.width
            // (Lk, I) gradients of this layer's keys, then values, in the fused (R_enc, width) layout.
            let dK = dEncoded.data + dEncoded.encoderOffsets[j] * width + layer * 2 * inner
            attendBackward(dOut: dContext + rows.offsets[j] * inner, lddo: inner,
                           q: tape.projected.data + rows.offsets[j] * inner, ldq: inner,
                           k: source.crossKeys[layer].data, ldk: inner, v: source.crossValues[layer].data, ldv: inner,
                           queries: rows.lengths[j], keys: source.length, shape: shape,
                           probabilities: tape.probabilities.data + tape.probabilityOffsets[j],
                           dropout: tape.dropout(segment: j),
                           dQ: dQ + rows.offsets[j] * inner, lddq: inner, dK: dK, lddk: width, dV: dK + inner,
                           lddv: width, dBias: nil, causal: false, scratch: scratch)
        }
        projection.backward(dInp: dInp, dOut: dQ, inp: tape.input?.data, rows: total)
    }

    /// Through the residual dropout and `o`: returns dContext (R, I) = dropout′(dResidual) · oᵀ in the workspace.
    private func outputBackward(dResidual: UnsafePointer<Float>, tape: Tape, workspace ws: Workspace)
        -> UnsafeMutablePointer<Float> {
        let total = tape.rows.total, width = o.outFeatures
        var dOut = dResidual  // (R, D) gradient of o's output
        if tape.outputSite != nil {
            let dropped = ws.buffer(.dOut, count: total * width)
            dropoutGradient(dResidual, into: dropped, count: total * width, probability: tape.pass.dropout,
                            site: tape.outputSite)
            dOut = UnsafePointer(dropped)
        }
        let dContext = ws.zeroed(.dContext, count: total * inner)
        o.backward(dInp: dContext, dOut: dOut, inp: tape.context?.data, rows: total)
        return dContext
    }
}
