// One request's beam search as a state that advances one token per decoder step, so its K hypotheses (K decoder
// rows sharing the request's cross-attention K/V) can ride in the same batched step as other sequences. The
// bookkeeping after each step is Hugging Face's (transformers 5.x GenerationMixin._beam_search, one returned
// sequence): top 2·K continuations, finished hypotheses scored by sum logprob / length ** length_penalty, HF's
// early-stopping heuristics, fp32 scores and the same -1e9 masking arithmetic.
import Foundation
import Kernels

/// HF `early_stopping`: false (heuristic), true (stop once K hypotheses are finished), "never".
public enum EarlyStopping: Sendable, Equatable {
    case heuristic
    case always
    case never
}

/// A running beam search; `T5Model.decodeStep(_:beams:)` advances it. Touched by one thread at a time.
public final class BeamSearchState: @unchecked Sendable {
    public let numBeams: Int
    public let maxNewTokens: Int
    public let lengthPenalty: Float
    public let stopping: EarlyStopping
    /// The best hypothesis (ids after the decoder start token, EOS included when produced) once the search ended.
    public private(set) var result: [Int32]?
    public var isFinished: Bool { result != nil }

    private let vocab: Int
    private let eos: Int32
    private let mask: Float = -1.0e9
    /// HF counts the decoder start token in its lengths.
    private let maxLength: Int
    private var curLen = 1
    private var running: [[Int32]]
    private var runningScores: [Float]
    private var finished: [[Int32]]
    private var finishedScores: [Float]
    private var finishedFlags: [Bool]
    private var heuristicUnsatisfied = true
    /// The K decoder rows of the running hypotheses, and K spares the next step's reordering copies into.
    private(set) var rows: [DecoderSequence]
    private var spare: [DecoderSequence]
    /// (K, V) running score + log-softmax of the last step.
    private let logProbs: Tensor

    init(rows: [DecoderSequence], spare: [DecoderSequence], vocab: Int, eos: Int32, maxNewTokens: Int,
         lengthPenalty: Float, stopping: EarlyStopping) {
        let beams = rows.count
        precondition(beams >= 1 && spare.count == beams, "a beam search needs K ≥ 1 rows and K spares")
        precondition(2 * beams <= beams * vocab, "2·numBeams must not exceed numBeams·vocab")
        numBeams = beams
        self.maxNewTokens = maxNewTokens
        self.lengthPenalty = lengthPenalty
        self.stopping = stopping
        self.vocab = vocab
        self.eos = eos
        maxLength = 1 + maxNewTokens
        running = [[Int32]](repeating: [], count: beams)
        runningScores = [Float](repeating: mask, count: beams)
        runningScores[0] = 0
        finished = [[Int32]](repeating: [], count: beams)
        finishedScores = [Float](repeating: mask, count: beams)
        finishedFlags = [Bool](repeating: false, count: beams)
        self.rows = rows
        self.spare = spare
        logProbs = Tensor(uninitialized: [beams, vocab])
        if maxNewTokens <= 0 { result = [] }
    }

    /// The bookkeeping after one decoder step: `logits` holds this search's K rows, (K, V), in `rows` order.
    func advance(logits: UnsafePointer<Float>) {
        precondition(!isFinished, "advance of a finished beam search")
        let beams = numBeams, keep = 2 * beams  // max(2, 1 + number of EOS ids) · num_beams
        for k in 0..<beams {
            let row = logProbs.data + k * vocab
            logSoftmax(out: row, inp: logits + k * vocab, count: vocab)
            for v in 0..<vocab { row[v] += runningScores[k] }
        }
        // c. top 2K continuations over all beams (sorted; ties keep the lower flat index first).
        let top = Self.topK(logProbs.data, count: beams * vocab, k: keep)
        let candidateScores = top.map { logProbs.data[$0] }
        let candidateBeams = top.map { $0 / vocab }
        let candidates = top.map { running[$0 / vocab] + [Int32($0 % vocab)] }
        // d. which candidates hit a stopping criterion (EOS or max length)
        let hits = candidates.map { $0.last! == eos || curLen + 1 >= maxLength }
        // e. next running beams: the best K that did not just finish
        var runningCandidates = candidateScores
        for c in 0..<keep where hits[c] { runningCandidates[c] += mask }
        let nextRunning = Self.topKIndices(runningCandidates, k: beams)
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
        let best = Self.topKIndices(mergedScores, k: beams)
        finished = best.map { mergedSequences[$0] }
        finishedScores = best.map { mergedScores[$0] }
        finishedFlags = best.map { mergedFlags[$0] }
        // g. reorder caches for the next step
        for (j, c) in nextRunning.enumerated() {
            spare[j].copyState(from: rows[candidateBeams[c]])
            spare[j].setTokens(candidates[c], finished: nil)
        }
        swap(&rows, &spare)
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
        if !(heuristicUnsatisfied && openBeam && validContinuations) { result = finished[0] }
    }

    /// Indices of the k largest of `values[0..<count]`, sorted descending; ties keep the lower index first.
    private static func topK(_ values: UnsafePointer<Float>, count: Int, k: Int) -> [Int] {
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

    private static func topKIndices(_ values: [Float], k: Int) -> [Int] {
        values.withUnsafeBufferPointer { topK($0.baseAddress!, count: values.count, k: k) }
    }
}
