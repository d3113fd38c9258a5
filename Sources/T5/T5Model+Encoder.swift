// The T5 encoder stack (HF T5Stack with is_decoder = False) over packed ragged rows: every GEMM runs over all
// ΣL_i rows at once, attention runs per (row, head) on its own length, so there is no padding at all.
// After the final norm, one GEMM computes every decoder layer's cross-attention K/V for every request.
// Legend: R = ΣL_i packed rows, D = dModel, I = inner = heads·d_kv, F = d_ff.
import Kernels

extension T5Model {
    /// One packed encoder pass over ragged rows.
    /// - Parameter inputs: `inputs[i]` is (L_i, dModel) input embeddings (prompt rows already prepended), L_i ≥ 1.
    /// - Returns: per input, the final hidden states and the cross-attention K/V of every decoder layer.
    public func encode(_ inputs: [Tensor]) -> [EncoderOutput] {
        encode(inputs, trace: nil)
    }

    /// `trace(name, rows (R, D), R)` sees the packed output of every block ("encoder.block.i") and the final norm.
    func encode(_ inputs: [Tensor], trace: ((String, UnsafePointer<Float>, Int) -> Void)?) -> [EncoderOutput] {
        guard !inputs.isEmpty else { return [] }
        let d = config.dModel, inner = config.innerDim, f = config.dFF
        let lengths = inputs.map { input -> Int in
            precondition(input.rank == 2 && input.shape[1] == d && input.shape[0] >= 1,
                         "encoder input must be (L ≥ 1, \(d)), got \(input.shape)")
            return input.shape[0]
        }
        var offsets = [0]
        for length in lengths { offsets.append(offsets.last! + length) }
        let rows = offsets.last!
        let shape = AttentionShape(heads: config.numHeads, headDim: config.dKV)
        // Relative-position bias rows, once per distinct length, shared by all layers (only block 0 has a table).
        var biasByLength: [Int: Tensor] = [:]
        for length in Set(lengths) { biasByLength[length] = weights.encoderBias.vectors(length: length) }

        return workspaces.with { ws in
            let x = ws.buffer(.x, count: rows * d)                      // (R, D) residual stream
            let h = ws.buffer(.h, count: rows * d)                      // (R, D) normed
            let qkv = ws.buffer(.qkv, count: rows * 3 * inner)          // (R, 3I)
            let ctx = ws.buffer(.ctx, count: rows * inner)              // (R, I)
            let hidden = ws.buffer(.hidden, count: rows * (gated ? 2 : 1) * f)  // (R, F or 2F)
            let act = ws.buffer(.act, count: rows * f)                  // (R, F)
            let maxLength = lengths.max()!
            let scores = ws.buffer(.scores, count: maxLength * maxLength)
            for (i, input) in inputs.enumerated() { (x + offsets[i] * d).update(from: input.data, count: lengths[i] * d) }

            for (layer, block) in weights.encoderBlocks.enumerated() {
                block.selfAttentionNorm(x, into: h, rows: rows)
                Matmul.linear(h, rows: rows, weight: block.selfAttention.projection, into: qkv)
                for i in inputs.indices {
                    let length = lengths[i], base = qkv + offsets[i] * 3 * inner
                    let vectors = biasByLength[length]!
                    attend(q: base, ldq: 3 * inner, k: base + inner, ldk: 3 * inner, v: base + 2 * inner, ldv: 3 * inner,
                           queries: length, keys: length, shape: shape,
                           out: ctx + offsets[i] * inner, ldo: inner, scores: scores,
                           bias: { head, query in RelativePositionBias.row(vectors, head: head, query: query, length: length) },
                           causal: false)
                }
                Matmul.linear(ctx, rows: rows, weight: block.selfAttention.o, into: x, beta: 1)  // x += attn
                block.feedForwardNorm(x, into: h, rows: rows)
                block.feedForward.forward(h, residual: x, rows: rows, hidden: hidden, act: act)
                trace?("encoder.block.\(layer)", x, rows)
            }
            let final = Tensor(uninitialized: [rows, d])
            weights.encoderFinalNorm(x, into: final.data, rows: rows)
            trace?("encoder.final", final.data, rows)

            // Cross-attention K/V of all decoder layers for all requests: (R, D) · (D, N_dec·2I).
            let layers = config.numDecoderLayers, width = layers * 2 * inner
            let kv = Tensor(uninitialized: [rows, width])
            Matmul.linear(final.data, rows: rows, weight: weights.crossKV, into: kv.data)
            return inputs.indices.map { i in
                let length = lengths[i]
                let hiddenRows = Tensor(uninitialized: [length, d])
                hiddenRows.data.update(from: final.data + offsets[i] * d, count: length * d)
                var keys: [Tensor] = [], values: [Tensor] = []
                for layer in 0..<layers {
                    let k = Tensor(uninitialized: [length, inner]), v = Tensor(uninitialized: [length, inner])
                    for r in 0..<length {
                        let row = kv.data + (offsets[i] + r) * width + layer * 2 * inner
                        (k.data + r * inner).update(from: row, count: inner)
                        (v.data + r * inner).update(from: row + inner, count: inner)
                    }
                    keys.append(k)
                    values.append(v)
                }
                return EncoderOutput(hidden: hiddenRows, crossKeys: keys, crossValues: values)
            }
        }
    }
}
