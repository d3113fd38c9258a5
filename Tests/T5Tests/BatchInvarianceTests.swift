// Any row of a batch equals the same row run alone (encode, greedy, score, decode steps), with mixed lengths:
// catches packing offsets, missing per-row lengths and cross-talk between sequences.
import Kernels
import T5
import Testing
import TestSupport

@Suite struct BatchInvarianceTests {
    @Test(arguments: ["v11_gated_untied", "v10_relu_tied"])
    func encodeRowsEqualAlone(variant: String) throws {
        let model = try TinyModels.load(variant)
        let golden = try Golden.load(variant)
        let inputs = golden.inputs.reversed().map { $0 }  // lengths 33, 17, 9, 4, 1
        let batched = try model.encode(ids: inputs)
        for (i, ids) in inputs.enumerated() {
            let alone = try model.encode(ids: [ids])[0]
            let report = Closeness("\(variant) row \(i) hidden", got: batched[i].hidden.array, expected: alone.hidden.array,
                                   maxAbs: 1e-5)
            #expect(report.passed, "\(report)")
            for layer in 0..<model.config.numDecoderLayers {
                let k = Closeness("row \(i) cross K \(layer)", got: batched[i].crossKeys[layer].array,
                                  expected: alone.crossKeys[layer].array, maxAbs: 1e-5)
                let v = Closeness("row \(i) cross V \(layer)", got: batched[i].crossValues[layer].array,
                                  expected: alone.crossValues[layer].array, maxAbs: 1e-5)
                #expect(k.passed, "\(k)")
                #expect(v.passed, "\(v)")
            }
        }
    }

    @Test func greedyAndScoreRowsEqualAlone() throws {
        let model = try TinyModels.load("bf16_sharded")
        let golden = try Golden.load("bf16_sharded")
        let encoded = try model.encode(ids: golden.inputs)
        let together = model.greedy(encoded, maxNewTokens: 10)
        for (i, e) in encoded.enumerated() {
            #expect(together[i] == model.greedy([e], maxNewTokens: 10)[0], "greedy row \(i)")
        }
        let items = encoded.map { (encoded: $0, targets: golden.targets) }
        let batched = try model.score(items)
        for (i, e) in encoded.enumerated() {
            for (j, target) in golden.targets.enumerated() {
                let alone = try model.score([(e, [target])])[0][0]
                #expect(abs(batched[i][j] - alone) <= 1e-5 * max(1, abs(alone)), "score (\(i), \(j)): \(batched[i][j]) vs \(alone)")
            }
        }
    }

    @Test func decodeStepsInterleaveAndDropFinished() throws {
        // Sequences started at different times and with different limits, stepped together, give the same
        // tokens as greedy alone; finished ones are skipped.
        let model = try TinyModels.load("v11_gated_untied")
        let golden = try Golden.load("v11_gated_untied")
        let encoded = try model.encode(ids: golden.inputs)
        var sequences = [model.startDecoding(encoded[0], maxNewTokens: 12), model.startDecoding(encoded[3], maxNewTokens: 3)]
        model.decodeStep(sequences)
        model.decodeStep(sequences)
        sequences.append(model.startDecoding(encoded[4], maxNewTokens: 12))  // joins mid-flight
        for _ in 0..<20 { model.decodeStep(sequences) }
        #expect(sequences.allSatisfy { $0.isFinished })
        #expect(sequences[0].tokens == model.greedy([encoded[0]], maxNewTokens: 12)[0])
        #expect(sequences[1].tokens == model.greedy([encoded[3]], maxNewTokens: 3)[0])
        #expect(sequences[1].tokens.count == 3 && sequences[1].finishReason == .length)
        #expect(sequences[2].tokens == model.greedy([encoded[4]], maxNewTokens: 12)[0])
        let golden0 = golden.greedy[0].ids
        #expect(sequences[0].tokens == golden0)
        #expect(sequences[0].finishReason == (golden0.last == 1 ? .eos : .length))
        #expect(model.startDecoding(encoded[0], maxNewTokens: 0).isFinished)
    }

    @Test func softPromptRowsPlugInAsEmbeddings() throws {
        // The engine prepends prompt rows to embeddings; encoding [prompt; embed(ids)] must equal HF on
        // inputs_embeds. Here the "prompt" is the embedding of real tokens, so it must equal encoding those ids.
        let model = try TinyModels.load("v10_relu_tied")
        let ids: [Int32] = [5, 17, 42, 99, 1]
        let prompt = try model.embed(Array(ids.prefix(2)))
        let rest = try model.embed(Array(ids.dropFirst(2)))
        let joined = Tensor(uninitialized: [ids.count, model.config.dModel])
        joined.data.update(from: prompt.data, count: prompt.count)
        (joined.data + prompt.count).update(from: rest.data, count: rest.count)
        let viaEmbeddings = model.encode([joined])[0]
        let viaIDs = try model.encode(ids: [ids])[0]
        #expect(viaEmbeddings.hidden.array == viaIDs.hidden.array)
    }
}
