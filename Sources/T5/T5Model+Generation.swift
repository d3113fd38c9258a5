// Greedy decoding, iteration-level decode steps for the serving engine, and teacher-forced scoring.
// Greedy mirrors HF generate(do_sample=False, num_beams=1): argmax (first maximum) each step, stop at EOS.
import Kernels

extension T5Model {
    /// A decoding state for one encoded request, with its self-attention cache preallocated.
    /// - Parameter sampling: how tokens are chosen and whether log-probabilities are recorded; nil is greedy.
    public func startDecoding(_ encoded: EncoderOutput, maxNewTokens: Int,
                              sampling: SamplingParameters? = nil) -> DecoderSequence {
        let vectors: Tensor, capacity: Int
        if maxNewTokens <= decoderBiasCapacity {
            (vectors, capacity) = (decoderBiasVectors, decoderBiasCapacity)
        } else {
            (vectors, capacity) = (weights.decoderBias.vectors(length: maxNewTokens), maxNewTokens)
        }
        return DecoderSequence(encoded: encoded, maxNewTokens: maxNewTokens, layers: config.numDecoderLayers,
                               inner: config.innerDim, startToken: Int32(config.decoderStartTokenID),
                               eosTokenID: Int32(config.eosTokenID), biasVectors: vectors, biasCapacity: capacity,
                               sampling: sampling)
    }

    /// One batched step over the unfinished `sequences` and the K rows of every unfinished beam search in `beams`,
    /// all in one decoder pass: appends to each sequence the argmax token, or the token its `sampling` chooses (a
    /// function of its own logits, seed and position only, so the batch does not change it); a sequence finishes on
    /// EOS (`.eos`) or when it holds `maxNewTokens` tokens (`.length`). Each beam search then does its bookkeeping
    /// on its own rows' logits (`BeamSearchState`). Finished sequences and searches are skipped.
    /// - Parameter minNewTokens: EOS cannot be chosen before a sequence holds this many tokens (HF min_new_tokens);
    ///   beam searches ignore it.
    public func decodeStep(_ sequences: [DecoderSequence], beams: [BeamSearchState] = [], minNewTokens: Int = 0) {
        let active = sequences.filter { !$0.isFinished }
        let searching = beams.filter { !$0.isFinished }
        guard !active.isEmpty || !searching.isEmpty else { return }
        let vocab = config.vocabSize, eos = config.eosTokenID
        workspaces.with { ws in
            let logits = stepLogits(active + searching.flatMap(\.rows), workspace: ws)  // (B + ΣK, V)
            for (b, sequence) in active.enumerated() {
                let row = logits + b * vocab
                if sequence.tokens.count < minNewTokens { row[eos] = -.infinity }
                guard let sampling = sequence.sampling else {
                    sequence.append(Int32(argmax(row, count: vocab)))
                    continue
                }
                let token = TokenSampler.choose(row, count: vocab, parameters: sampling,
                                                history: [sequence.startToken] + sequence.tokens,
                                                step: sequence.tokens.count)
                if let top = sampling.logprobs {
                    sequence.recordLogProbs(TokenSampler.logProbs(row, count: vocab, chosen: token, top: top))
                }
                sequence.append(token)
            }
            var firstRow = active.count
            for search in searching {
                search.advance(logits: logits + firstRow * vocab)
                firstRow += search.numBeams
            }
        }
    }

    /// Batched greedy decoding; per request, the ids after the start token (EOS included when produced).
    public func greedy(_ encoded: [EncoderOutput], maxNewTokens: Int) -> [[Int32]] {
        let sequences = encoded.map { startDecoding($0, maxNewTokens: maxNewTokens) }
        while sequences.contains(where: { !$0.isFinished }) { decodeStep(sequences) }
        return sequences.map(\.tokens)
    }

    /// Teacher-forced sum of log-probabilities of each target, ids exactly as given
    /// (decoder input = [start] + target[:-1]). All (request, candidate) pairs run in one batched decoder pass.
    /// An empty target scores 0.
    /// - Throws: `T5Error.invalidTokenID` for a target id outside the vocabulary.
    public func score(_ items: [(encoded: EncoderOutput, targets: [[Int32]])]) throws(T5Error) -> [[Double]] {
        let start = Int32(config.decoderStartTokenID), vocab = config.vocabSize
        var rows: [(encoded: EncoderOutput, inputs: [Int32])] = []
        for item in items {
            for target in item.targets {
                try weights.embedding.validate(target)
                rows.append((item.encoded, target.isEmpty ? [] : [start] + target.dropLast()))
            }
        }
        let logits = decodeTeacherForced(rows)  // (ΣT, V)
        var row = 0
        return items.map { item in
            item.targets.map { target in
                var sum = 0.0
                for id in target {
                    let r = logits.data + row * vocab
                    sum += Double(r[Int(id)] - logSumExp(r, count: vocab))
                    row += 1
                }
                return sum
            }
        }
    }

    /// Per-layer activations of one teacher-forced forward pass, named like HF modules ("encoder.block.0", …,
    /// "encoder.final", "decoder.block.0", …, "decoder.final", "logits"), for parity tests and debugging.
    /// - Throws: `T5Error.invalidTokenID` for an id outside the vocabulary.
    public func trace(inputIDs: [Int32], targetIDs: [Int32]) throws(T5Error) -> [String: Tensor] {
        var captured: [String: Tensor] = [:]
        let d = config.dModel
        let record: (String, UnsafePointer<Float>, Int) -> Void = { name, data, rows in
            let copy = Tensor(uninitialized: [rows, d])
            copy.data.update(from: data, count: rows * d)
            captured[name] = copy
        }
        try validate(ids: targetIDs)
        let encoded = encode([try embed(inputIDs)], trace: record)[0]
        let inputs = [Int32(config.decoderStartTokenID)] + targetIDs.dropLast()
        captured["logits"] = decodeTeacherForced([(encoded, inputs)], trace: record)
        return captured
    }
}
