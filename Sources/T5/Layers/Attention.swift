// Port of HF modeling_t5.T5Attention (+ T5LayerSelfAttention / T5LayerCrossAttention's residual add) over packed
// rows. Self-attention fuses q|k|v into one (dModel, 3·inner) projection; cross-attention keeps q here, while the
// keys and values of every decoder layer come from the model's one fused cross-K/V projection, applied once per
// request in `encode`. No 1/sqrt(d_kv) scaling anywhere (T5 folds it into the init).
// Legend: R = packed rows, D = dModel, I = inner = heads·d_kv.
import Kernels

/// One T5 attention module (`….SelfAttention` or `….EncDecAttention`).
public final class Attention: @unchecked Sendable {
    /// Self: (D, 3I) = [q | k | v]; cross: (D, I) = q only.
    let projection: Linear
    let o: Linear  // (I, D)
    let shape: AttentionShape
    let isCross: Bool

    private init(projection: Linear, o: Linear, shape: AttentionShape, isCross: Bool) {
        self.projection = projection
        self.o = o
        self.shape = shape
        self.isCross = isCross
    }

    var inner: Int { shape.heads * shape.headDim }

    /// Self-attention of a block (`scope` = "….layer.0.SelfAttention").
    static func selfAttention(_ scope: WeightStore.Scope, config: T5Config) throws(T5Error) -> Attention {
        let d = config.dModel, inner = config.innerDim
        return Attention(
            projection: try scope.fusedLinearLayer(["q.weight", "k.weight", "v.weight"], outFeatures: inner, inFeatures: d),
            o: try scope.linearLayer("o.weight", outFeatures: d, inFeatures: inner),
            shape: AttentionShape(heads: config.numHeads, headDim: config.dKV), isCross: false)
    }

    /// Cross-attention q and o (`scope` = "decoder.block.i.layer.1.EncDecAttention"); its k and v are read by the
    /// model into the fused cross-K/V projection.
    static func crossAttention(_ scope: WeightStore.Scope, config: T5Config) throws(T5Error) -> Attention {
        let d = config.dModel, inner = config.innerDim
        return Attention(projection: try scope.linearLayer("q.weight", outFeatures: inner, inFeatures: d),
                         o: try scope.linearLayer("o.weight", outFeatures: d, inFeatures: inner),
                         shape: AttentionShape(heads: config.numHeads, headDim: config.dKV), isCross: true)
    }

    /// x (R, D) += o(softmax(q kᵀ + bias) v) with q, k, v from h (R, D), each segment attending to itself.
    /// - Parameters:
    ///   - bias: relative-position bias rows per segment length (`RelativePositionBias.vectors`).
    ///   - causal: decoder self-attention (query i sees keys 0...i).
    ///   - pass: a training forward: record what `backward` needs (and apply dropout) into the returned tape.
    @discardableResult
    func selfAttend(_ h: UnsafePointer<Float>, residual x: UnsafeMutablePointer<Float>, rows: PackedRows,
                    bias: [Int: Tensor], causal: Bool, workspace ws: Workspace,
                    recording pass: TrainingPass? = nil) -> Tape? {
        let inner = inner, total = rows.total
        let tape = pass.map { Tape(self, pass: $0, rows: rows, keys: rows.lengths, decoder: causal, input: h) }
        let qkv = tape?.projected.data ?? ws.buffer(.qkv, count: total * 3 * inner)  // (R, 3I)
        let ctx = tape?.context?.data ?? ws.buffer(.ctx, count: total * inner)      // (R, I)
        let longest = rows.maxLength
        let scores = ws.buffer(.scores, count: longest * longest)
        projection(h, rows: total, into: qkv)
        forEachSegment(rows.count, scoresCount: longest * longest, shared: scores, recording: tape != nil) { i, scores, parallel in
            guard rows.lengths[i] > 0 else { return }
            let length = rows.lengths[i], base = qkv + rows.offsets[i] * 3 * inner
            let vectors = bias[length]!
            attend(q: base, ldq: 3 * inner, k: base + inner, ldk: 3 * inner, v: base + 2 * inner, ldv: 3 * inner,
                   queries: length, keys: length, shape: shape,
                   out: ctx + rows.offsets[i] * inner, ldo: inner, scores: scores,
                   bias: { head, query in RelativePositionBias.row(vectors, head: head, query: query, length: length) },
                   causal: causal, recording: tape?.recording(segment: i, scratch: scores), splitHeads: !parallel)
        }
        if let tape {
            tape.pass.residualAdd(o, ctx, rows: total, into: x, site: tape.outputSite, workspace: ws)
        } else {
            o(ctx, rows: total, into: x, beta: 1)  // residual add fused into the GEMM
        }
        return tape
    }

    /// One decoder step of self-attention: row b of h (B, D) is sequence b's next position; its key and value are
    /// appended to the sequence's cache of `layer`, then it attends to every cached position.
    func selfAttendStep(_ h: UnsafePointer<Float>, residual x: UnsafeMutablePointer<Float>,
                        sequences: [DecoderSequence], layer: Int, workspace ws: Workspace) {
        let inner = inner, batch = sequences.count
        let qkv = ws.buffer(.qkv, count: batch * 3 * inner)  // (B, 3I)
        let ctx = ws.buffer(.ctx, count: batch * inner)      // (B, I)
        let scores = ws.buffer(.scores, count: sequences.map { $0.position + 1 }.max() ?? 1)
        projection(h, rows: batch, into: qkv)
        let longest = sequences.map { $0.position + 1 }.max() ?? 1
        forEachSegment(batch, scoresCount: longest, shared: scores, recording: false) { b, scores, _ in
            let sequence = sequences[b]
            let p = sequence.position, row = qkv + b * 3 * inner
            let keys = sequence.cache(false, layer: layer, position: 0)
            let values = sequence.cache(true, layer: layer, position: 0)
            (keys + p * inner).update(from: row + inner, count: inner)
            (values + p * inner).update(from: row + 2 * inner, count: inner)
            let vectors = sequence.biasVectors, capacity = sequence.biasCapacity
            attend(q: row, ldq: 3 * inner, k: keys, ldk: inner, v: values, ldv: inner, queries: 1, keys: p + 1,
                   shape: shape, out: ctx + b * inner, ldo: inner, scores: scores,
                   bias: { head, _ in RelativePositionBias.row(vectors, head: head, query: p, length: capacity) },
                   causal: false)
        }
        o(ctx, rows: batch, into: x, beta: 1)
    }

    /// x (R, D) += o(softmax(q kᵀ) v): segment j's queries attend to `encoded[j]`'s keys and values of `layer`
    /// (no position bias, no mask).
    /// - Parameter pass: a training forward: record what `backward` needs (and apply dropout) into the returned tape.
    @discardableResult
    func crossAttend(_ h: UnsafePointer<Float>, residual x: UnsafeMutablePointer<Float>, rows: PackedRows,
                     encoded: [EncoderOutput], layer: Int, workspace ws: Workspace,
                     recording pass: TrainingPass? = nil) -> Tape? {
        let inner = inner, total = rows.total
        let tape = pass.map { Tape(self, pass: $0, rows: rows, keys: encoded.map(\.length), decoder: true, input: h) }
        let q = tape?.projected.data ?? ws.buffer(.qkv, count: total * inner)    // (R, I)
        let ctx = tape?.context?.data ?? ws.buffer(.ctx, count: total * inner)  // (R, I)
        let keys = encoded.map(\.length).max() ?? 0
        let scores = ws.buffer(.scores, count: rows.maxLength * keys)
        projection(h, rows: total, into: q)
        forEachSegment(rows.count, scoresCount: rows.maxLength * keys, shared: scores, recording: tape != nil) { j, scores, parallel in
            guard rows.lengths[j] > 0 else { return }
            let source = encoded[j]
            attend(q: q + rows.offsets[j] * inner, ldq: inner, k: source.crossKeys[layer].data, ldk: inner,
                   v: source.crossValues[layer].data, ldv: inner, queries: rows.lengths[j], keys: source.length,
                   shape: shape, out: ctx + rows.offsets[j] * inner, ldo: inner, scores: scores, bias: nil,
                   causal: false, recording: tape?.recording(segment: j, scratch: scores), splitHeads: !parallel)
        }
        if let tape {
            tape.pass.residualAdd(o, ctx, rows: total, into: x, site: tape.outputSite, workspace: ws)
        } else {
            o(ctx, rows: total, into: x, beta: 1)
        }
        return tape
    }

    var parameterCount: Int { projection.parameterCount + o.parameterCount }
}
