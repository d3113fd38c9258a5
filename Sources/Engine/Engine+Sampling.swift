// A generate request's decoding options checked and turned into the model's `SamplingParameters`, and the one-shot
// signal a streamed request waits on until it is queued.
import Foundation
import T5

extension Engine {
    /// Most alternatives per token a request may ask for (`logprobs`).
    public static var maxLogprobs: Int { 20 }
    /// Most stop sequences, and most bytes of one.
    public static var maxStopSequences: Int { 4 }
    public static var maxStopBytes: Int { 256 }

    /// The sampling parameters of a request, or nil when it is plain greedy with nothing recorded.
    /// - Throws: `EngineError.unsupportedValue` for a value out of range or an option beam search cannot honour.
    static func samplingParameters(_ r: GenerateJob, beams: Int, streamed: Bool) throws -> SamplingParameters? {
        func reject(_ field: String, _ reason: String) -> EngineError { .unsupportedValue(field: field, reason: reason) }
        let temperature = r.temperature ?? 0
        guard temperature.isFinite, (0...100).contains(temperature) else {
            throw reject("temperature", "must be between 0 (greedy) and 100, got \(temperature)")
        }
        let topK = r.topK ?? 0
        guard topK >= 0 else { throw reject("top_k", "must be ≥ 0 (0: off), got \(topK)") }
        let topP = r.topP ?? 1
        guard topP.isFinite, topP > 0, topP <= 1 else { throw reject("top_p", "must be in (0, 1], got \(topP)") }
        let penalty = r.repetitionPenalty ?? 1
        guard penalty.isFinite, penalty > 0, penalty <= 100 else {
            throw reject("repetition_penalty", "must be in (0, 100], got \(penalty)")
        }
        if let logprobs = r.logprobs, !(0...maxLogprobs).contains(logprobs) {
            throw reject("logprobs", "must be between 0 and \(maxLogprobs), got \(logprobs)")
        }
        guard r.stop.count <= maxStopSequences else {
            throw reject("stop", "has \(r.stop.count) entries, more than the limit of \(maxStopSequences)")
        }
        for (index, stop) in r.stop.enumerated() where stop.isEmpty || stop.utf8.count > maxStopBytes {
            throw reject("stop[\(index)]", "must be 1 to \(maxStopBytes) bytes, got \(stop.utf8.count)")
        }
        if beams > 1 {
            let asked = [("temperature", temperature != 0), ("top_k", r.topK != nil), ("top_p", r.topP != nil),
                         ("repetition_penalty", penalty != 1), ("seed", r.seed != nil), ("logprobs", r.logprobs != nil),
                         ("stop", !r.stop.isEmpty), ("stream", streamed)]
            if let (field, _) = asked.first(where: { $0.1 }) {
                throw reject(field, "is not supported with num_beams > 1 (beam search is deterministic and not streamed)")
            }
            return nil
        }
        let logprobs = r.logprobs ?? (streamed ? 0 : nil)  // a stream reports each token's log-probability
        if temperature == 0 && penalty == 1 && logprobs == nil { return nil }
        return SamplingParameters(temperature: temperature, topK: topK, topP: topP, repetitionPenalty: penalty,
                                  seed: r.seed ?? UInt64.random(in: 0...UInt64(Int64.max)), logprobs: logprobs)
    }
}

/// Resolves once: succeeded (the request was queued) or failed (it was refused first). `wait` returns or throws
/// accordingly, whenever it is called.
final class Acceptance: @unchecked Sendable {
    private enum State {
        case pending([CheckedContinuation<Void, any Error>])
        case succeeded
        case failed(any Error)
    }
    private let lock = NSLock()
    private var state = State.pending([])

    func succeed() {
        let waiters: [CheckedContinuation<Void, any Error>] = lock.withLock {
            guard case .pending(let waiters) = state else { return [] }
            state = .succeeded
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Fails the acceptance; false when it had already resolved (the error then belongs to the stream).
    func fail(_ error: any Error) -> Bool {
        let waiters: [CheckedContinuation<Void, any Error>]? = lock.withLock {
            guard case .pending(let waiters) = state else { return nil }
            state = .failed(error)
            return waiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(throwing: error) }
        return true
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = lock.withLock {
                switch state {
                case .pending(let waiters):
                    state = .pending(waiters + [continuation])
                    return nil
                case .succeeded: return .success(())
                case .failed(let error): return .failure(error)
                }
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }
}
