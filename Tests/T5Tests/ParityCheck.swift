// One model's outputs next to the HF goldens of a tiny checkpoint (make_t5_fixtures.py): per-layer hidden states of
// every traced case, teacher-forced log-likelihoods, greedy ids and beam ids. ParityTests assert each check passes;
// MutationTests load deliberately wrong configs and assert that at least one check fails.
import Foundation
import Kernels
import SafeTensors
import T5
import TestSupport

struct ParityCheck {
    let variant: String
    let model: T5Model
    let golden: Golden
    let expectedHidden: SafeTensorsFile

    init(variant: String, model: T5Model? = nil, filePath: String = #filePath) throws {
        self.variant = variant
        self.model = try model ?? TinyModels.load(variant, filePath: filePath)
        golden = try Golden.load(variant, filePath: filePath)
        expectedHidden = try SafeTensorsFile(
            url: TinyModels.directory(variant, filePath: filePath).appendingPathComponent("hidden.safetensors"))
    }

    /// Traced tensor names in forward order, so the first failure is the first diverging layer.
    var layerNames: [String] {
        var names = (0..<model.config.numLayers).map { "encoder.block.\($0)" } + ["encoder.final"]
        names += (0..<model.config.numDecoderLayers).map { "decoder.block.\($0)" } + ["decoder.final", "logits"]
        return names
    }

    /// Per traced case, the per-layer reports up to and including the first failing layer.
    func hiddenStates(_ tolerance: Tolerance) throws -> [Closeness] {
        var reports: [Closeness] = []
        for traced in golden.hidden {
            let trace = try model.trace(inputIDs: traced.input, targetIDs: traced.target)
            for name in layerNames {
                let got = trace[name]?.array ?? []
                let want = try expectedHidden.floats(traced.prefix + name)
                let report = Closeness("\(variant) case \(traced.prefix)\(name) (input length \(traced.input.count))",
                                       got: got, expected: want, maxAbs: tolerance.absoluteBound(for: want), rel: tolerance.rel)
                reports.append(report)
                if !report.passed { break }
            }
        }
        return reports
    }

    /// Every (input, target) pair of the golden in one batched call, grouped per input as the engine sends them,
    /// against HF's summed log-likelihoods.
    func logLikelihoods(_ tolerance: Tolerance) throws -> Closeness {
        let encoded = try model.encode(ids: golden.inputs)
        var items: [(encoded: EncoderOutput, targets: [[Int32]])] = []
        var expected: [Double] = []
        for i in golden.inputs.indices {
            let rows = golden.scores.filter { $0.input == i }
            guard !rows.isEmpty else { continue }
            items.append((encoded[i], rows.map { golden.targets[$0.target] }))
            expected += rows.map(\.logprob)
        }
        let got = Array(try model.score(items).joined())
        return Closeness("\(variant) log-likelihoods", got: got, expected: expected, maxAbs: tolerance.maxAbs,
                         rel: tolerance.rel)
    }

    /// Greedy ids per input, as a mismatch description (nil: identical to HF).
    func greedyMismatches() throws -> [String] {
        let got = model.greedy(try model.encode(ids: golden.inputs), maxNewTokens: 12)
        return golden.greedy.indices.compactMap { i in
            firstDifference(got[i], golden.greedy[i].ids).map { "\(variant) greedy input \(i): \($0)" }
        }
    }

    /// Beam-search ids per case, as mismatch descriptions.
    func beamMismatches() throws -> [String] {
        let encoded = try model.encode(ids: golden.inputs)
        return golden.beam.compactMap { case_ in
            let got = model.beamSearch(encoded[case_.input], numBeams: case_.num_beams, maxNewTokens: case_.max_new_tokens,
                                       lengthPenalty: case_.length_penalty, stopping: case_.early_stopping.mode)
            return firstDifference(got, case_.ids).map {
                "\(variant) input \(case_.input) beams \(case_.num_beams) lp \(case_.length_penalty) early_stopping "
                    + "\(case_.early_stopping) max \(case_.max_new_tokens): \($0)"
            }
        }
    }

    /// Every failing check at the suite's tolerances (contract and tight), for mutation tests.
    func failures() throws -> [String] {
        var failed: [String] = []
        for tolerance in [Tolerance.hiddenContract, .hiddenTight] {
            failed += try hiddenStates(tolerance).filter { !$0.passed }.map { "hidden (\(tolerance)): \($0)" }
        }
        for tolerance in [Tolerance.logLikelihoodContract, .logLikelihoodTight] {
            let report = try logLikelihoods(tolerance)
            if !report.passed { failed.append("log-likelihood (\(tolerance)): \(report)") }
        }
        return failed + (try greedyMismatches()) + (try beamMismatches())
    }
}
