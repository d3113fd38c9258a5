// Beam search with Hugging Face semantics (transformers 5.x GenerationMixin._beam_search, num_return_sequences 1).
// The search itself is `BeamSearchState`, advanced by `decodeStep(_:beams:)` one token at a time (the serving engine
// batches its K rows with other sequences); the functions here run one search to its end. Beams share the
// request's cross-attention K/V; only self caches are copied.
import Foundation
import Kernels

extension T5Model {
    /// A beam search for one encoded request, before its first step. `numBeams` ≥ 1.
    public func startBeamSearch(_ encoded: EncoderOutput, numBeams: Int, maxNewTokens: Int, lengthPenalty: Float = 1,
                                stopping: EarlyStopping = .heuristic) -> BeamSearchState {
        precondition(numBeams >= 1, "numBeams must be ≥ 1")
        let slots = max(maxNewTokens, 0)
        return BeamSearchState(rows: (0..<numBeams).map { _ in startDecoding(encoded, maxNewTokens: slots) },
                               spare: (0..<numBeams).map { _ in startDecoding(encoded, maxNewTokens: slots) },
                               vocab: config.vocabSize, eos: Int32(config.eosTokenID), maxNewTokens: maxNewTokens,
                               lengthPenalty: lengthPenalty, stopping: stopping)
    }

    /// Beam search for one request; ids after the decoder start token (EOS included when produced).
    public func beamSearch(_ encoded: EncoderOutput, numBeams: Int, maxNewTokens: Int, lengthPenalty: Float = 1,
                           earlyStopping: Bool = false) -> [Int32] {
        beamSearch(encoded, numBeams: numBeams, maxNewTokens: maxNewTokens, lengthPenalty: lengthPenalty,
                   stopping: earlyStopping ? .always : .heuristic)
    }

    /// Beam search with HF's three early-stopping modes.
    public func beamSearch(_ encoded: EncoderOutput, numBeams: Int, maxNewTokens: Int, lengthPenalty: Float = 1,
                           stopping: EarlyStopping) -> [Int32] {
        beamSearch(encoded, numBeams: numBeams, maxNewTokens: maxNewTokens, lengthPenalty: lengthPenalty,
                   stopping: stopping, shouldStop: { false }) ?? []
    }

    /// Beam search that asks `shouldStop` before every decoder step and returns nil as soon as it answers true.
    public func beamSearch(_ encoded: EncoderOutput, numBeams: Int, maxNewTokens: Int, lengthPenalty: Float = 1,
                           stopping: EarlyStopping, shouldStop: () -> Bool) -> [Int32]? {
        let search = startBeamSearch(encoded, numBeams: numBeams, maxNewTokens: maxNewTokens,
                                     lengthPenalty: lengthPenalty, stopping: stopping)
        while !search.isFinished {
            if shouldStop() { return nil }
            decodeStep([], beams: [search])
        }
        return search.result
    }
}
