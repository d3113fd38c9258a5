// The T5 decoder stack (HF T5Stack with is_decoder = True) in its two uses, both through the same `DecoderLayer`:
// a teacher-forced pass over packed target rows (scoring, parity traces) and one incremental step over a batch of
// sequences with KV caches (greedy, beam search, the serving engine's iterations).
// Legend: R = packed rows (ΣT_j or batch B), D = dModel, V = vocab.
import Kernels

extension T5Model {
    /// Teacher-forced decoder over packed rows: `items[j].inputs` are decoder input ids ([start] + target[:-1],
    /// already validated) attending to `items[j].encoded`. Returns logits (ΣT_j, V).
    func decodeTeacherForced(_ items: [(encoded: EncoderOutput, inputs: [Int32])],
                             trace: ((String, UnsafePointer<Float>, Int) -> Void)? = nil) -> Tensor {
        decodeTeacherForced(items, trace: trace, recording: nil).logits
    }

    /// `decodeTeacherForced(_:trace:)`, optionally as a training forward (T5Model+Training.swift): with a pass,
    /// dropout applies as HF applies it in train() mode and every layer records into the returned tape.
    func decodeTeacherForced(_ items: [(encoded: EncoderOutput, inputs: [Int32])],
                             trace: ((String, UnsafePointer<Float>, Int) -> Void)?,
                             recording pass: TrainingPass?) -> (logits: Tensor, tape: DecoderTape?) {
        let d = config.dModel
        let packed = PackedRows(lengths: items.map(\.inputs.count))
        let rows = packed.total
        let inputIDs = items.flatMap(\.inputs)
        let tape = pass.map { DecoderTape(pass: $0, rows: packed, inputIDs: inputIDs) }
        let logits = Tensor(uninitialized: [rows, config.vocabSize])
        guard rows > 0 else { return (logits, tape) }
        var bias: [Int: Tensor] = [:]
        for length in Set(packed.lengths) where length > 0 { bias[length] = weights.decoderBias.vectors(length: length) }

        workspaces.with { ws in
            let x = ws.buffer(.x, count: rows * d)  // (R, D) residual stream
            weights.embedding.gather(inputIDs, into: x)
            if let tape {
                tape.inputSite = tape.pass.dropoutSite(firstElement: tape.pass.firstElement(width: d, decoder: true))
                tape.pass.drop(x, count: rows * d, site: tape.inputSite)
            }
            for (i, layer) in weights.decoderLayers.enumerated() {
                let layerTape = layer.forward(x, rows: packed, selfAttention: .causal(bias: bias),
                                              encoded: items.map(\.encoded), workspace: ws, recording: pass)
                if let layerTape { tape?.layers.append(layerTape) }
                trace?("decoder.block.\(i)", x, rows)
            }
            let h = ws.buffer(.h, count: rows * d)  // (R, D)
            // Not `tape?.finalNorm = …`: optional chaining would skip the norm itself when not recording.
            let finalNorm = weights.decoderFinalNorm(x, into: h, rows: rows, record: tape != nil)
            trace?("decoder.final", h, rows)
            if let tape {
                tape.finalNorm = finalNorm
                tape.finalSite = tape.pass.dropoutSite(firstElement: tape.pass.firstElement(width: d, decoder: true))
                tape.pass.drop(h, count: rows * d, site: tape.finalSite)
                if weights.lmHead.isTrainable(embedding: weights.embedding) {
                    let kept = Tensor(uninitialized: [rows, d])
                    kept.data.update(from: h, count: rows * d)
                    tape.headInput = kept
                }
            }
            weights.lmHead(h, rows: rows, into: logits.data)  // (R, V)
        }
        return (logits, tape)
    }

    /// One incremental decoder step for `sequences` (none finished): consumes each sequence's `nextInput` at its
    /// `position`, appends to its KV cache and returns logits (B, V) in the workspace.
    func stepLogits(_ sequences: [DecoderSequence], workspace ws: Workspace) -> UnsafeMutablePointer<Float> {
        let d = config.dModel, batch = sequences.count
        for sequence in sequences {
            precondition(sequence.position < sequence.maxNewTokens, "decoder step past maxNewTokens")
        }
        let x = ws.buffer(.x, count: batch * d)  // (B, D)
        weights.embedding.gather(sequences.map(\.nextInput), into: x)
        let packed = PackedRows(singleRows: batch), encoded = sequences.map(\.encoded)
        for layer in weights.decoderLayers {
            layer.forward(x, rows: packed, selfAttention: .cached(sequences), encoded: encoded, workspace: ws)
        }
        for sequence in sequences { sequence.position += 1 }
        let h = ws.buffer(.h, count: batch * d)
        weights.decoderFinalNorm(x, into: h, rows: batch)
        let logits = ws.buffer(.logits, count: batch * config.vocabSize)
        weights.lmHead(h, rows: batch, into: logits)  // (B, V), small-M kernel
        return logits
    }
}
