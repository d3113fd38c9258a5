// Beam search with Hugging Face semantics (transformers 5.x GenerationMixin._beam_search, num_return_sequences 1):
// top 2·K continuations over all beams, running beams = best K that did not just finish, finished hypotheses
// scored by sum logprob / (generated length ** length_penalty), HF's early-stopping heuristics, fp32 scores and
// the same -1e9 masking arithmetic. Beams share the request's cross-attention K/V; only self caches are copied.
import Foundation
import Kernels

/// HF `early_stopping`: false (heuristic), true (stop once K hypotheses are finished), "never".
public enum EarlyStopping: Sendable, Equatable {
    case heuristic
    case always
    case never
}

extension T5Model {
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

    /// Beam search that asks `shouldStop` before every decoder step and returns nil as soon as it answers true
    /// (the serving engine stops a request whose deadline passed or whose client went away).
    public func beamSearch(_ encoded: EncoderOutput, numBeams: Int, maxNewTokens: Int, lengthPenalty: Float = 1,
                           stopping: EarlyStopping, shouldStop: () -> Bool) -> [Int32]? {
        precondition(numBeams >= 1, "numBeams must be ≥ 1")
        guard maxNewTokens > 0 else { return [] }
        let vocab = config.vocabSize, beams = numBeams, eos = Int32(config.eosTokenID)
        let keep = 2 * beams  // max(2, 1 + number of EOS ids) · num_beams
        precondition(keep <= beams * vocab, "2·numBeams must not exceed numBeams·vocab")
        let maxLength = 1 + maxNewTokens  // HF counts the decoder start token
        let mask: Float = -1.0e9
        var curLen = 1

        var running = [[Int32]](repeating: [], count: beams)
        var runningScores = [Float](repeating: mask, count: beams)
        runningScores[0] = 0
        var finished = [[Int32]](repeating: [], count: beams)
        var finishedScores = [Float](repeating: mask, count: beams)
        var finishedFlags = [Bool](repeating: false, count: beams)
        var heuristicUnsatisfied = true

        var states = (0..<beams).map { _ in startDecoding(encoded, maxNewTokens: maxNewTokens) }
        var spare = (0..<beams).map { _ in startDecoding(encoded, maxNewTokens: maxNewTokens) }
        let logProbs = Tensor(uninitialized: [beams, vocab])

        while true {
            if shouldStop() { return nil }
            workspaces.with { ws in
                let logits = stepLogits(states, workspace: ws)  // (K, V)
                for k in 0..<beams {
                    let row = logProbs.data + k * vocab
                    logSoftmax(out: row, inp: logits + k * vocab, count: vocab)
                    for v in 0..<vocab { row[v] += runningScores[k] }
                }
            }
            // c. top 2K continuations over all beams (sorted; ties keep the lower flat index first).
            let top = topK(logProbs.data, count: beams * vocab, k: keep)
            let candidateScores = top.map { logProbs.data[$0] }
            let candidateBeams = top.map { $0 / vocab }
            let candidates = top.map { running[$0 / vocab] + [Int32($0 % vocab)] }
            // d. which candidates hit a stopping criterion (EOS or max length)
            let hits = candidates.map { $0.last! == eos || curLen + 1 >= maxLength }
            // e. next running beams: the best K that did not just finish
            var runningCandidates = candidateScores
            for c in 0..<keep where hits[c] { runningCandidates[c] += mask }
            let nextRunning = topKIndices(runningCandidates, k: beams)
            // f. finished hypotheses: merge the previous ones with the top-K candidates that just finished
            let denominator = Float(pow(Double(curLen + 1 - 1), Double(lengthPenalty)))
            let full = finishedFlags.allSatisfy { $0 } && stopping == .always
            var newScores = [Float](repeating: 0, count: keep)
            var justFinished = [Bool](repeating: false, count: keep)
            for c in 0..<keep {
                var score = candidateScores[c] / denominator
                if full { score += mask }
                if !heuristicUnsatisfied { score += mask }
                justFinished[c] = hits[c] && c < beams
                if !justFinished[c] { score += mask }
                newScores[c] = score
            }
            let mergedScores = finishedScores + newScores
            let mergedSequences = finished + candidates
            let mergedFlags = finishedFlags + justFinished
            let best = topKIndices(mergedScores, k: beams)
            finished = best.map { mergedSequences[$0] }
            finishedScores = best.map { mergedScores[$0] }
            finishedFlags = best.map { mergedFlags[$0] }
            // g. reorder caches for the next step
            for (j, c) in nextRunning.enumerated() {
                spare[j].copyState(from: states[candidateBeams[c]])
                spare[j].setTokens(candidates[c], finished: nil)
            }
            swap(&states, &spare)
            running = nextRunning.map { candidates[$0] }
            runningScores = nextRunning.map { runningCandidates[$0] }
            curLen += 1
            // Early-stop heuristic (HF _check_early_stop_heuristic)
            let hypotheticalLength = stopping == .never && lengthPenalty > 0 ? maxLength - 1 : curLen - 1
            let bestPossible = runningScores[0] / Float(pow(Double(hypotheticalLength), Double(lengthPenalty)))
            let worstFinished = finishedScores.min()!
            let canImprove = (0..<beams).contains { bestPossible > (finishedFlags[$0] ? worstFinished : mask) }
            heuristicUnsatisfied = heuristicUnsatisfied && canImprove
            let openBeam = !(finishedFlags.allSatisfy { $0 } && stopping == .always)
            let validContinuations = !hits.allSatisfy { $0 }
            if !(heuristicUnsatisfied && openBeam && validContinuations) { break }
        }
        return finished[0]
    }

    /// Indices of the k largest of `values[0..<count]`, sorted descending; ties keep the lower index first.
    private func topK(_ values: UnsafePointer<Float>, count: Int, k: Int) -> [Int] {
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for i in 0..<count {
            let value = values[i]
            if best.count == k, value <= values[best[k - 1]] { continue }
            var position = best.count
            while position > 0, values[best[position - 1]] < value { position -= 1 }
            best.insert(i, at: position)
            if best.count > k { best.removeLast() }
        }
        return best
    }

    private func topKIndices(_ values: [Float], k: Int) -> [Int] {
        values.withUnsafeBufferPointer { topK($0.baseAddress!, count: values.count, k: k) }
    }
}
