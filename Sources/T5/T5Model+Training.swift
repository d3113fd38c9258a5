// One training step of T5ForConditionalGeneration with the `labels` of transformers: a recording forward through the
// same encoder and decoder code as serving (plus HF's train()-mode dropout), token cross-entropy averaged over all
// target tokens of the batch (torch CrossEntropyLoss(ignore_index=-100), optional label smoothing), and the exact
// backward through the LM head, the decoder, the fused cross-K/V projection and the encoder to the encoder input
// rows. Returns each prompt's gradient; trainable weights accumulate theirs (T5Model+Parameters.swift).
// Legend: R_e = packed encoder rows, R_d = packed target rows, D = dModel, V = vocab, W = N_dec·2·inner.
import Kernels

extension T5Model {
    /// Loss and gradients of one batch: the forward records every activation its backward needs (kept only until
    /// the backward consumes it), the backward returns ∂loss/∂P for each example's prompt rows and ADDS the gradient
    /// of every trainable weight into its buffer (call `zeroGradients()` between optimizer steps).
    /// - Parameters:
    ///   - batch: examples of any lengths (no padding anywhere); labels may hold -100 (ignored).
    ///   - options: dropout (default 0.1, seeded), label smoothing, loss normaliser.
    /// - Throws: `T5Error.invalidTokenID` for an input id or label outside the vocabulary (other than -100),
    ///   `.invalidInput` for an empty encoder row, a prompt that is not (l, dModel) or an option out of range.
    public func lossAndGradients(batch: [TrainingExample], options: TrainingOptions = TrainingOptions())
        throws(T5Error) -> TrainingLoss {
        try validate(batch: batch, options: options)
        return lossAndGradients(validated: batch, options: options, placement: TrainingPass.Placement())
    }

    /// `lossAndGradients` of a validated batch that starts at `placement` in a larger batch (T5Model+Shards.swift).
    func lossAndGradients(validated batch: [TrainingExample], options: TrainingOptions,
                          placement: TrainingPass.Placement) -> TrainingLoss {
        let targets = batch.flatMap(\.labels)
        let counted = targets.reduce(0) { $0 + ($1 == TrainingExample.ignoredLabel ? 0 : 1) }
        guard !batch.isEmpty else { return TrainingLoss(loss: 0, targetTokens: 0, promptGradients: []) }
        let pass = TrainingPass(dropout: options.dropout, seed: options.seed, step: options.step, placement: placement)

        // Forward: the serving encoder and decoder, recording.
        let encoderRows = PackedRows(lengths: batch.map(\.input.length))
        let encoderTape = EncoderTape(pass: pass, rows: encoderRows)
        let encoded = encode(packed: encoderRows, trace: nil, tape: encoderTape) { x, packed in
            fill(x, packed: packed, rows: batch.map(\.input))
        }
        let items = zip(encoded, batch).map { encoded, example in
            (encoded, example.decoderInputs(start: Int32(config.decoderStartTokenID), pad: Int32(config.padTokenID)))
        }
        let (logits, recorded) = decodeTeacherForced(items, trace: nil, recording: pass)  // (R_d, V)
        guard let decoderTape = recorded else { preconditionFailure("a recording pass returns its tape") }

        // Loss, and its gradient written over the logits.
        let loss = crossEntropy(dLogits: logits.data, logits: logits.data, targets: targets, rows: targets.count,
                                vocab: config.vocabSize, ignoreIndex: TrainingExample.ignoredLabel,
                                labelSmoothing: options.labelSmoothing, normalizer: options.lossNormalizer)

        let promptGradients = workspaces.with { ws in
            let dKV = decoderBackward(dLogits: logits, tape: decoderTape, encoded: encoded, encoderRows: encoderRows,
                                      workspace: ws)
            return encoderBackward(dKV: dKV, tape: encoderTape, batch: batch, workspace: ws)
        }
        return TrainingLoss(loss: loss, targetTokens: counted, promptGradients: promptGradients)
    }

    /// Mean token cross-entropy of `batch` for evaluation: the serving forward, no dropout, nothing recorded.
    /// - Throws: as `lossAndGradients`.
    public func loss(batch: [TrainingExample], labelSmoothing: Float = 0) throws(T5Error) -> Double {
        try validate(batch: batch, options: TrainingOptions(dropout: 0, labelSmoothing: labelSmoothing))
        guard !batch.isEmpty else { return 0 }
        let encoded = encode(packed: PackedRows(lengths: batch.map(\.input.length)), trace: nil) { x, packed in
            fill(x, packed: packed, rows: batch.map(\.input))
        }
        let items = zip(encoded, batch).map { encoded, example in
            (encoded, example.decoderInputs(start: Int32(config.decoderStartTokenID), pad: Int32(config.padTokenID)))
        }
        let logits = decodeTeacherForced(items)  // (R_d, V)
        let targets = batch.flatMap(\.labels)
        return crossEntropy(dLogits: nil, logits: logits.data, targets: targets, rows: targets.count,
                            vocab: config.vocabSize, ignoreIndex: TrainingExample.ignoredLabel,
                            labelSmoothing: labelSmoothing)
    }

    func validate(batch: [TrainingExample], options: TrainingOptions) throws(T5Error) {
        try options.validate()
        try validate(rows: batch.map(\.input))
        for example in batch {
            try weights.embedding.validate(example.labels.filter { $0 != TrainingExample.ignoredLabel })
        }
    }

    /// Backward of the LM head and the decoder stack, consuming `tape`: the decoder embedding's gradient (when
    /// trainable) and the decoder's weights accumulate; returns the gradient (R_e, W) of the fused cross-K/V output.
    private func decoderBackward(dLogits: Tensor, tape: DecoderTape, encoded: [EncoderOutput], encoderRows: PackedRows,
                                 workspace ws: Workspace) -> Tensor {
        let d = config.dModel, width = config.numDecoderLayers * 2 * config.innerDim, rows = tape.rows.total
        let dKV = Tensor(zeros: [encoderRows.total, width])  // (R_e, W)
        guard rows > 0, let finalNorm = tape.finalNorm else { return dKV }
        let dh = Tensor(zeros: [rows, d])  // (R_d, D) gradient of the head's input
        weights.lmHead.backward(dLogits: dLogits.data, dInp: dh.data, inp: tape.headInput?.data, rows: rows,
                                embedding: weights.embedding)
        tape.headInput = nil
        dropoutGradient(dh.data, into: dh.data, count: rows * d, probability: tape.pass.dropout, site: tape.finalSite)
        let dx = Tensor(zeros: [rows, d])  // (R_d, D) gradient of the residual stream
        weights.decoderFinalNorm.backward(dInp: dx.data, dOut: dh.data, tape: finalNorm)
        tape.finalNorm = nil
        let biasRows = weights.decoderBias.rowGradients(lengths: tape.rows.lengths)
        let dEncoded = Attention.CrossKeyValueGradient(data: dKV.data, width: width, encoderOffsets: encoderRows.offsets)
        while let layerTape = tape.layers.popLast() {  // each block's activations are released once consumed
            weights.decoderLayers[tape.layers.count].backward(dx.data, tape: layerTape, encoded: encoded,
                                                             dEncoded: dEncoded, biasGradients: biasRows, workspace: ws)
        }
        if let biasRows { weights.decoderBias.accumulate(biasRows) }
        dropoutGradient(dx.data, into: dx.data, count: rows * d, probability: tape.pass.dropout, site: tape.inputSite)
        weights.embedding.backward(dOut: dx.data, ids: tape.inputIDs)
        return dKV
    }

    /// Backward of the cross-K/V projection and the encoder stack, consuming `tape`: returns each example's prompt
    /// gradient; token rows send theirs to the embedding (when trainable).
    private func encoderBackward(dKV: Tensor, tape: EncoderTape, batch: [TrainingExample],
                                 workspace ws: Workspace) -> [Tensor?] {
        let d = config.dModel, rows = tape.rows.total
        guard let finalNorm = tape.finalNorm else { preconditionFailure("the encoder pass recorded its final norm") }
        let dFinal = Tensor(zeros: [rows, d])  // (R_e, D) gradient of the encoder output
        weights.crossKeyValues.backward(dInp: dFinal.data, dOut: dKV.data, inp: tape.output?.data, rows: rows)
        tape.output = nil
        dropoutGradient(dFinal.data, into: dFinal.data, count: rows * d, probability: tape.pass.dropout,
                        site: tape.finalSite)
        let dx = Tensor(zeros: [rows, d])  // (R_e, D) gradient of the residual stream
        weights.encoderFinalNorm.backward(dInp: dx.data, dOut: dFinal.data, tape: finalNorm)
        tape.finalNorm = nil
        let biasRows = weights.encoderBias.rowGradients(lengths: tape.rows.lengths)
        while let layerTape = tape.layers.popLast() {
            weights.encoderLayers[tape.layers.count].backward(dx.data, tape: layerTape, biasGradients: biasRows,
                                                             workspace: ws)
        }
        if let biasRows { weights.encoderBias.accumulate(biasRows) }
        dropoutGradient(dx.data, into: dx.data, count: rows * d, probability: tape.pass.dropout, site: tape.inputSite)
        // Split [P_i ; E[X_i]] back: prompt rows are returned, token rows go to the embedding.
        return batch.enumerated().map { i, example in
            var at = dx.data + tape.rows.offsets[i] * d
            var promptGradient: Tensor?
            if let prompt = example.input.prompt {
                let gradient = Tensor(uninitialized: prompt.shape)  // (l, D)
                gradient.data.update(from: at, count: prompt.count)
                at += prompt.count
                promptGradient = gradient
            }
            weights.embedding.backward(dOut: at, ids: example.input.tokens)
            return promptGradient
        }
    }
}
