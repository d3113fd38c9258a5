// The Swift T5 against Hugging Face transformers on tiny random checkpoints: per-layer hidden states, logits,
// teacher-forced log-likelihoods, greedy ids and beam-search ids (goldens from make_t5_fixtures.py).
import Foundation
import Kernels
import SafeTensors
import T5
import Testing
import TestSupport

@Suite struct ParityTests {
    @Test(arguments: TinyModels.variants)
    func hiddenStatesMatchPerLayer(variant: String) throws {
        let model = try TinyModels.load(variant)
        let golden = try Golden.load(variant)
        let expected = try SafeTensorsFile(url: TinyModels.directory(variant).appendingPathComponent("hidden.safetensors"))
        let trace = try model.trace(inputIDs: golden.hidden.input, targetIDs: golden.hidden.target)
        var names = (0..<model.config.numLayers).map { "encoder.block.\($0)" } + ["encoder.final"]
        names += (0..<model.config.numDecoderLayers).map { "decoder.block.\($0)" } + ["decoder.final", "logits"]
        // Names are checked in forward order so the first failure is the first diverging layer.
        for name in names {
            let got = try #require(trace[name], "no traced tensor \(name)")
            let want = try expected.floats(name)
            // 1e-5 max-abs on activations of order 1-10 (relative term covers the larger residual-stream values).
            let report = Closeness("\(variant) \(name)", got: got.array, expected: want, maxAbs: 1e-5, rel: 2e-6)
            #expect(report.passed, "\(report)")
            if !report.passed { break }
        }
    }

    @Test(arguments: TinyModels.variants)
    func logLikelihoodsMatch(variant: String) throws {
        let model = try TinyModels.load(variant)
        let golden = try Golden.load(variant)
        let encoded = try model.encode(ids: golden.inputs)
        // All pairs in one batched call, grouped per input as the engine would send them.
        var items: [(encoded: EncoderOutput, targets: [[Int32]])] = []
        var expected: [[Double]] = []
        for (i, _) in golden.inputs.enumerated() {
            let rows = golden.scores.filter { $0.input == i }
            guard !rows.isEmpty else { continue }
            items.append((encoded[i], rows.map { golden.targets[$0.target] }))
            expected.append(rows.map(\.logprob))
        }
        let got = try model.score(items)
        for (g, e) in zip(got.joined(), expected.joined()) {
            // 1e-4 relative (the project bar for log-likelihoods).
            #expect(abs(g - e) <= 1e-4 * abs(e), "\(variant): logprob \(g) vs HF \(e) (rel diff \(abs(g - e) / abs(e)))")
        }
        #expect(got.map(\.count) == expected.map(\.count))
    }

    @Test(arguments: TinyModels.variants)
    func greedyIdsIdentical(variant: String) throws {
        let model = try TinyModels.load(variant)
        let golden = try Golden.load(variant)
        let got = model.greedy(try model.encode(ids: golden.inputs), maxNewTokens: 12)
        for (i, expected) in golden.greedy.enumerated() {
            #expect(firstDifference(got[i], expected.ids) == nil,
                    "\(variant) input \(i): \(firstDifference(got[i], expected.ids) ?? "")")
        }
    }

    @Test(arguments: TinyModels.variants)
    func beamSearchIdsIdentical(variant: String) throws {
        let model = try TinyModels.load(variant)
        let golden = try Golden.load(variant)
        let encoded = try model.encode(ids: golden.inputs)
        for case_ in golden.beam {
            let got = model.beamSearch(encoded[case_.input], numBeams: case_.num_beams, maxNewTokens: case_.max_new_tokens,
                                       lengthPenalty: case_.length_penalty, stopping: case_.early_stopping.mode)
            let label = "\(variant) input \(case_.input) beams \(case_.num_beams) lp \(case_.length_penalty) "
                + "early_stopping \(case_.early_stopping) max \(case_.max_new_tokens)"
            #expect(firstDifference(got, case_.ids) == nil, "\(label): \(firstDifference(got, case_.ids) ?? "")")
        }
    }

    @Test func beamSearchBoolOverloadMatchesModes() throws {
        let model = try TinyModels.load("bf16_sharded")
        let golden = try Golden.load("bf16_sharded")
        let encoded = try model.encode(ids: [golden.inputs[1]])[0]
        #expect(model.beamSearch(encoded, numBeams: 3, maxNewTokens: 6, earlyStopping: true)
            == model.beamSearch(encoded, numBeams: 3, maxNewTokens: 6, stopping: .always))
        // One beam is greedy search.
        #expect(model.beamSearch(encoded, numBeams: 1, maxNewTokens: 8) == model.greedy([encoded], maxNewTokens: 8)[0])
    }

    @Test func relativePositionBucketsMatchHF() throws {
        let object = try #require(try Fixtures.json("t5/relative_buckets.json") as? [String: Any])
        let cases = try #require(object["cases"] as? [[String: Any]])
        #expect(cases.count == 8)
        for entry in cases {
            let buckets = try #require(entry["num_buckets"] as? Int), distance = try #require(entry["max_distance"] as? Int)
            let bidirectional = try #require(entry["bidirectional"] as? Bool)
            let positions = try #require(entry["relative_positions"] as? [Int]), expected = try #require(entry["buckets"] as? [Int])
            let got = positions.map {
                T5Model.relativePositionBucket($0, bidirectional: bidirectional, numBuckets: buckets, maxDistance: distance)
            }
            #expect(firstDifference(got, expected) == nil,
                    "buckets \(buckets) max \(distance) bidirectional \(bidirectional): \(firstDifference(got, expected) ?? "")")
        }
    }
}
