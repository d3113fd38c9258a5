// The Swift T5 against Hugging Face transformers on tiny random checkpoints: per-layer hidden states and logits on
// three inputs of mixed lengths, teacher-forced log-likelihoods (contract and tight tolerance), greedy ids and
// beam-search ids (float64 goldens from make_t5_fixtures.py), and checks that the goldens themselves can fail.
import Foundation
import Kernels
import SafeTensors
import T5
import Testing
import TestSupport

@Suite struct ParityTests {
    @Test(arguments: TinyModels.variants)
    func hiddenStatesMatchPerLayer(variant: String) throws {
        let check = try ParityCheck(variant: variant)
        #expect(Set(check.golden.hidden.map(\.input.count)).count == 3, "three traced inputs of mixed lengths")
        for tolerance in [Tolerance.hiddenContract, .hiddenTight] {
            let reports = try check.hiddenStates(tolerance)
            #expect(reports.count == check.golden.hidden.count * check.layerNames.count || reports.contains { !$0.passed })
            for report in reports { #expect(report.passed, "\(report)") }
        }
    }

    @Test(arguments: TinyModels.variants)
    func logLikelihoodsMatch(variant: String) throws {
        let check = try ParityCheck(variant: variant)
        // The documented contract, then the tighter bound the float64 goldens support.
        for tolerance in [Tolerance.logLikelihoodContract, .logLikelihoodTight] {
            let report = try check.logLikelihoods(tolerance)
            #expect(report.count == check.golden.scores.count && report.count >= 10)
            #expect(report.passed, "\(report)")
        }
    }

    @Test(arguments: TinyModels.variants)
    func greedyIdsIdentical(variant: String) throws {
        let check = try ParityCheck(variant: variant)
        for mismatch in try check.greedyMismatches() { Issue.record("\(mismatch)") }
    }

    @Test(arguments: TinyModels.variants)
    func beamSearchIdsIdentical(variant: String) throws {
        let check = try ParityCheck(variant: variant)
        for mismatch in try check.beamMismatches() { Issue.record("\(mismatch)") }
    }

    /// The goldens can fail: every greedy and beam output varies, inputs give different outputs, and both stopping
    /// rules (EOS, length) occur in greedy and beam outputs. A golden of one repeated token would pass an implementation that ignores its input.
    @Test(arguments: TinyModels.variants)
    func goldensAreSharp(variant: String) throws {
        let golden = try Golden.load(variant)
        #expect(golden.meta.reference_dtype == "torch.float64")
        func distinct(_ ids: [Int32]) -> Int { Set(ids.filter { $0 > 1 }).count }
        for (i, row) in golden.greedy.enumerated() {
            #expect(distinct(row.ids) >= golden.meta.min_distinct && golden.meta.min_distinct >= 3,
                    "greedy \(i): \(row.ids) has \(distinct(row.ids)) distinct content tokens")
            #expect(row.min_margin >= golden.meta.min_margin, "greedy \(i) is a near-tie (margin \(row.min_margin))")
        }
        for row in golden.beam {
            #expect(distinct(row.ids) >= golden.meta.min_distinct, "beam on input \(row.input): \(row.ids)")
        }
        #expect(Set(golden.greedy.map(\.ids)).count == golden.greedy.count, "different inputs, different outputs")
        #expect(golden.greedy.contains { $0.ids.last == 1 }, "some greedy output stops at EOS")
        #expect(golden.greedy.contains { $0.ids.count == 12 && $0.ids.last != 1 }, "some greedy output hits the limit")
        #expect(golden.beam.contains { $0.ids.last == 1 }, "some beam output stops at EOS (early stopping matters)")
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
