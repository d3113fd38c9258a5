// Beam searches advanced inside shared decode steps: every golden beam case of a variant runs at once, started at
// different steps, next to greedy sequences; each search must give HF's ids (its solo result) and each greedy row its
// solo tokens. Catches row offsets between searches, cross-talk and a search that steps after it ended.
import Kernels
import T5
import Testing
import TestSupport

@Suite struct BeamBatchingTests {
    @Test(arguments: TinyModels.variants)
    func beamSearchesInOneBatchEqualTheirGoldens(variant: String) throws {
        let model = try TinyModels.load(variant)
        let golden = try Golden.load(variant)
        let encoded = try model.encode(ids: golden.inputs)
        #expect(golden.beam.count >= 3 && Set(golden.beam.map(\.num_beams)).count >= 2, "several searches of different widths")
        let searches = golden.beam.map {
            model.startBeamSearch(encoded[$0.input], numBeams: $0.num_beams, maxNewTokens: $0.max_new_tokens,
                                  lengthPenalty: $0.length_penalty, stopping: $0.early_stopping.mode)
        }
        let greedy = encoded.map { model.startDecoding($0, maxNewTokens: 12) }
        // Half the searches and every other greedy row start at once; the rest join after two steps.
        let half = searches.count / 2
        model.decodeStep(greedy.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), beams: Array(searches[..<half]))
        model.decodeStep(greedy.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), beams: Array(searches[..<half]))
        var steps = 0
        while (searches.contains { !$0.isFinished } || greedy.contains { !$0.isFinished }) && steps < 100 {
            model.decodeStep(greedy, beams: searches)
            steps += 1
        }
        #expect(steps < 100, "every search and sequence ends")
        for (search, case_) in zip(searches, golden.beam) {
            let label = "\(variant) input \(case_.input) beams \(case_.num_beams) lp \(case_.length_penalty) "
                + "early_stopping \(case_.early_stopping)"
            #expect(search.result == case_.ids, "\(label)")
        }
        for (sequence, e) in zip(greedy, encoded) {
            #expect(sequence.tokens == model.greedy([e], maxNewTokens: 12)[0])
        }
    }

    @Test func aFinishedSearchIsSkippedAndZeroTokensEndAtOnce() throws {
        let model = try TinyModels.load("bf16_sharded")
        let golden = try Golden.load("bf16_sharded")
        let encoded = try model.encode(ids: [golden.inputs[1]])[0]
        let short = model.startBeamSearch(encoded, numBeams: 2, maxNewTokens: 1)
        let long = model.startBeamSearch(encoded, numBeams: 3, maxNewTokens: 6)
        model.decodeStep([], beams: [short, long])
        #expect(short.result?.count == 1, "one new token, then the length limit ends the search")
        while !long.isFinished { model.decodeStep([], beams: [short, long]) }
        #expect(long.result == model.beamSearch(encoded, numBeams: 3, maxNewTokens: 6))
        #expect(short.result == model.beamSearch(encoded, numBeams: 2, maxNewTokens: 1))
        #expect(model.startBeamSearch(encoded, numBeams: 2, maxNewTokens: 0).result == [])
    }
}
