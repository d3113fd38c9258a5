// The T5 encoder stack (HF T5Stack with is_decoder = False) over packed ragged rows: every projection runs over
// all ΣL_i rows at once, attention runs per (row, head) on its own length, so there is no padding at all.
// After the final norm, one GEMM computes every decoder layer's cross-attention K/V for every request.
// Legend: R = ΣL_i packed rows, D = dModel, I = inner = heads·d_kv.
import Kernels

extension T5Model {
    /// One packed encoder pass over `[P_i ; E[X_i]]` rows: the model embeds the tokens and places each row's prompt
    /// in front of them.
    /// - Throws: `T5Error.invalidTokenID` for an id outside the vocabulary, `.invalidInput` for an empty row or a
    ///   prompt that is not (l, dModel).
    public func encode(rows: [EncoderRow]) throws(T5Error) -> [EncoderOutput] {
        try validate(rows: rows)
        return encode(packed: PackedRows(lengths: rows.map(\.length)), trace: nil) { x, packed in
            fill(x, packed: packed, rows: rows)
        }
    }

    /// Throws `.invalidTokenID` for an id outside the vocabulary, `.invalidInput` for an empty row or a prompt that
    /// is not (l, dModel).
    func validate(rows: [EncoderRow]) throws(T5Error) {
        let d = config.dModel
        for row in rows {
            try weights.embedding.validate(row.tokens)
            if let prompt = row.prompt, prompt.rank != 2 || prompt.shape[1] != d {
                throw .invalidInput("prompt rows must be (l, \(d)), got \(prompt.shape)")
            }
            if row.length == 0 { throw .invalidInput("empty encoder row") }
        }
    }

    /// Writes `[P_i ; E[X_i]]` of every row (validated) into the packed input x (R, D).
    func fill(_ x: UnsafeMutablePointer<Float>, packed: PackedRows, rows: [EncoderRow]) {
        let d = config.dModel
        for (i, row) in rows.enumerated() {
            var at = x + packed.offsets[i] * d
            if let prompt = row.prompt {
                at.update(from: prompt.data, count: prompt.count)
                at += prompt.count
            }
            weights.embedding.gather(row.tokens, into: at)
        }
    }

    /// One packed encoder pass over ready input embeddings.
    /// - Parameter inputs: `inputs[i]` is (L_i, dModel) input embeddings (prompt rows already prepended), L_i ≥ 1.
    /// - Returns: per input, the final hidden states and the cross-attention K/V of every decoder layer.
    public func encode(_ inputs: [Tensor]) -> [EncoderOutput] {
        encode(inputs, trace: nil)
    }

    /// `trace(name, rows (R, D), R)` sees the packed output of every block ("encoder.block.i") and the final norm.
    func encode(_ inputs: [Tensor], trace: ((String, UnsafePointer<Float>, Int) -> Void)?) -> [EncoderOutput] {
        let d = config.dModel
        let lengths = inputs.map { input -> Int in
            precondition(input.rank == 2 && input.shape[1] == d && input.shape[0] >= 1,
                         "encoder input must be (L ≥ 1, \(d)), got \(input.shape)")
            return input.shape[0]
        }
        return encode(packed: PackedRows(lengths: lengths), trace: trace) { x, packed in
            for (i, input) in inputs.enumerated() { (x + packed.offsets[i] * d).update(from: input.data, count: input.count) }
        }
    }

    /// The encoder recipe: `fill` writes the packed input rows (R, D) into the residual stream, then every block,
    /// the final norm and the fused cross-K/V projection run over all rows.
    /// - Parameter tape: a training forward (T5Model+Training.swift): dropout as HF applies it in train() mode, and
    ///   every layer records into the tape.
    func encode(packed: PackedRows, trace: ((String, UnsafePointer<Float>, Int) -> Void)?, tape: EncoderTape? = nil,
                fill: (UnsafeMutablePointer<Float>, PackedRows) -> Void) -> [EncoderOutput] {
        guard packed.count > 0 else { return [] }
        let d = config.dModel, inner = config.innerDim, rows = packed.total
        // Relative-position bias rows, once per distinct length, shared by all layers (only block 0 has a table).
        var bias: [Int: Tensor] = [:]
        for length in Set(packed.lengths) { bias[length] = weights.encoderBias.vectors(length: length) }

        return workspaces.with { ws in
            let x = ws.buffer(.x, count: rows * d)  // (R, D) residual stream
            fill(x, packed)
            if let tape {
                tape.inputSite = tape.pass.dropoutSite(firstElement: tape.pass.firstElement(width: d, decoder: false))
                tape.pass.drop(x, count: rows * d, site: tape.inputSite)
            }
            for (i, layer) in weights.encoderLayers.enumerated() {
                let layerTape = layer.forward(x, rows: packed, bias: bias, workspace: ws, recording: tape?.pass)
                if let layerTape { tape?.layers.append(layerTape) }
                trace?("encoder.block.\(i)", x, rows)
            }
            let final = Tensor(uninitialized: [rows, d])
            // Not `tape?.finalNorm = …`: optional chaining would skip the norm itself when not recording.
            let finalNorm = weights.encoderFinalNorm(x, into: final.data, rows: rows, record: tape != nil)
            trace?("encoder.final", final.data, rows)
            if let tape {
                tape.finalNorm = finalNorm
                tape.finalSite = tape.pass.dropoutSite(firstElement: tape.pass.firstElement(width: d, decoder: false))
                tape.pass.drop(final.data, count: rows * d, site: tape.finalSite)
                if weights.crossKeyValues.isTrainable { tape.output = final }
            }

            // Cross-attention K/V of all decoder layers for all requests: (R, D) · (D, N_dec·2I).
            let layers = config.numDecoderLayers, width = layers * 2 * inner
            let kv = Tensor(uninitialized: [rows, width])
            weights.crossKeyValues(final.data, rows: rows, into: kv.data)
            return (0..<packed.count).map { i in
                let length = packed.lengths[i], offset = packed.offsets[i]
                let hiddenRows = Tensor(uninitialized: [length, d])
                hiddenRows.data.update(from: final.data + offset * d, count: length * d)
                var keys: [Tensor] = [], values: [Tensor] = []
                for layer in 0..<layers {
                    let k = Tensor(uninitialized: [length, inner]), v = Tensor(uninitialized: [length, inner])
                    for r in 0..<length {
                        let row = kv.data + (offset + r) * width + layer * 2 * inner
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
