// The T5 decoder stack (HF T5Stack with is_decoder = True) in two forms: a teacher-forced pass over packed
// target rows (scoring, parity traces) and one incremental step over a batch of sequences with KV caches.
// Cross-attention reads the K/V that `encode` computed; the self-attention bias is unidirectional.
// Legend: R = packed rows (ΣT_j or batch B), D = dModel, I = inner, F = d_ff, V = vocab.
import Kernels

extension T5Model {
    /// Teacher-forced decoder over packed rows: `items[j].inputs` are decoder input ids ([start] + target[:-1])
    /// attending to `items[j].encoded`. Returns logits (ΣT_j, V).
    func decodeTeacherForced(_ items: [(encoded: EncoderOutput, inputs: [Int32])],
                             trace: ((String, UnsafePointer<Float>, Int) -> Void)? = nil) -> Tensor {
        let d = config.dModel, inner = config.innerDim, f = config.dFF
        let lengths = items.map(\.inputs.count)
        var offsets = [0]
        for length in lengths { offsets.append(offsets.last! + length) }
        let rows = offsets.last!
        let logits = Tensor(uninitialized: [rows, config.vocabSize])
        guard rows > 0 else { return logits }
        let shape = AttentionShape(heads: config.numHeads, headDim: config.dKV)
        var biasByLength: [Int: Tensor] = [:]
        for length in Set(lengths) where length > 0 { biasByLength[length] = weights.decoderBias.vectors(length: length) }

        workspaces.with { ws in
            let x = ws.buffer(.x, count: rows * d)
            let h = ws.buffer(.h, count: rows * d)
            let qkv = ws.buffer(.qkv, count: rows * 3 * inner)
            let ctx = ws.buffer(.ctx, count: rows * inner)
            let hidden = ws.buffer(.hidden, count: rows * (gated ? 2 : 1) * f)
            let act = ws.buffer(.act, count: rows * f)
            let maxKeys = max(lengths.max()!, items.map(\.encoded.length).max()!)
            let scores = ws.buffer(.scores, count: lengths.max()! * maxKeys)
            embedRows(items.flatMap(\.inputs), into: x)

            for (layer, block) in weights.decoderBlocks.enumerated() {
                // Causal self-attention per target.
                block.selfAttentionNorm(x, into: h, rows: rows)
                Matmul.linear(h, rows: rows, weight: block.selfAttention.projection, into: qkv)
                for j in items.indices where lengths[j] > 0 {
                    let length = lengths[j], base = qkv + offsets[j] * 3 * inner
                    let vectors = biasByLength[length]!
                    attend(q: base, ldq: 3 * inner, k: base + inner, ldk: 3 * inner, v: base + 2 * inner, ldv: 3 * inner,
                           queries: length, keys: length, shape: shape,
                           out: ctx + offsets[j] * inner, ldo: inner, scores: scores,
                           bias: { head, query in RelativePositionBias.row(vectors, head: head, query: query, length: length) },
                           causal: true)
                }
                Matmul.linear(ctx, rows: rows, weight: block.selfAttention.o, into: x, beta: 1)
                // Cross-attention to the request's encoder states (no position bias, no mask).
                block.crossAttentionNorm(x, into: h, rows: rows)
                Matmul.linear(h, rows: rows, weight: block.crossAttention.projection, into: qkv)  // (R, I) queries
                for j in items.indices where lengths[j] > 0 {
                    let encoded = items[j].encoded
                    attend(q: qkv + offsets[j] * inner, ldq: inner, k: encoded.crossKeys[layer].data, ldk: inner,
                           v: encoded.crossValues[layer].data, ldv: inner, queries: lengths[j], keys: encoded.length,
                           shape: shape, out: ctx + offsets[j] * inner, ldo: inner, scores: scores, bias: nil, causal: false)
                }
                Matmul.linear(ctx, rows: rows, weight: block.crossAttention.o, into: x, beta: 1)
                block.feedForwardNorm(x, into: h, rows: rows)
                block.feedForward.forward(h, residual: x, rows: rows, hidden: hidden, act: act)
                trace?("decoder.block.\(layer)", x, rows)
            }
            weights.decoderFinalNorm(x, into: h, rows: rows)
            trace?("decoder.final", h, rows)
            let (headWeight, scale) = head
            Matmul.linear(h, rows: rows, weight: headWeight, into: logits.data, alpha: scale)  // (R, V)
        }
        return logits
    }

    /// One incremental decoder step for `sequences` (none finished): consumes each sequence's `nextInput` at its
    /// `position`, appends to its KV cache and returns logits (B, V) in the workspace.
    func stepLogits(_ sequences: [DecoderSequence], workspace ws: Workspace) -> UnsafeMutablePointer<Float> {
        let d = config.dModel, inner = config.innerDim, f = config.dFF, batch = sequences.count
        let shape = AttentionShape(heads: config.numHeads, headDim: config.dKV)
        let x = ws.buffer(.x, count: batch * d)
        let h = ws.buffer(.h, count: batch * d)
        let qkv = ws.buffer(.qkv, count: batch * 3 * inner)
        let ctx = ws.buffer(.ctx, count: batch * inner)
        let hidden = ws.buffer(.hidden, count: batch * (gated ? 2 : 1) * f)
        let act = ws.buffer(.act, count: batch * f)
        var maxKeys = 1
        for sequence in sequences {
            precondition(sequence.position < sequence.maxNewTokens, "decoder step past maxNewTokens")
            maxKeys = max(maxKeys, sequence.position + 1, sequence.encoded.length)
        }
        let scores = ws.buffer(.scores, count: maxKeys)
        let logits = ws.buffer(.logits, count: batch * config.vocabSize)
        for (b, sequence) in sequences.enumerated() {
            (x + b * d).update(from: weights.embedding.data + Int(sequence.nextInput) * d, count: d)
        }

        for (layer, block) in weights.decoderBlocks.enumerated() {
            block.selfAttentionNorm(x, into: h, rows: batch)
            Matmul.linear(h, rows: batch, weight: block.selfAttention.projection, into: qkv)  // (B, 3I)
            for (b, sequence) in sequences.enumerated() {
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
            Matmul.linear(ctx, rows: batch, weight: block.selfAttention.o, into: x, beta: 1)
            block.crossAttentionNorm(x, into: h, rows: batch)
            Matmul.linear(h, rows: batch, weight: block.crossAttention.projection, into: qkv)  // (B, I)
            for (b, sequence) in sequences.enumerated() {
                let encoded = sequence.encoded
                attend(q: qkv + b * inner, ldq: inner, k: encoded.crossKeys[layer].data, ldk: inner,
                       v: encoded.crossValues[layer].data, ldv: inner, queries: 1, keys: encoded.length,
                       shape: shape, out: ctx + b * inner, ldo: inner, scores: scores, bias: nil, causal: false)
            }
            Matmul.linear(ctx, rows: batch, weight: block.crossAttention.o, into: x, beta: 1)
            block.feedForwardNorm(x, into: h, rows: batch)
            block.feedForward.forward(h, residual: x, rows: batch, hidden: hidden, act: act)
        }
        for sequence in sequences { sequence.position += 1 }
        weights.decoderFinalNorm(x, into: h, rows: batch)
        let (headWeight, scale) = head
        Matmul.linear(h, rows: batch, weight: headWeight, into: logits, alpha: scale)  // (B, V), small-M kernel
        return logits
    }

    /// Copies embedding rows of `ids` into `out` (count · dModel floats).
    func embedRows(_ ids: [Int32], into out: UnsafeMutablePointer<Float>) {
        let d = config.dModel
        for (row, id) in ids.enumerated() {
            precondition(id >= 0 && Int(id) < config.vocabSize, "token id \(id) outside the vocabulary (0..<\(config.vocabSize))")
            (out + row * d).update(from: weights.embedding.data + Int(id) * d, count: d)
        }
    }
}
