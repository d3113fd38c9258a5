// A model backend for server tests: the real fixture T5 (`T5Backend`) behind two switches. `hold()` stops the model
// thread at the start of the next encoder pass until `release()`, so a request stays in flight for as long as a test
// needs (a drain, a disconnect) without timing; `failEncoderPasses` makes encoder passes throw (HTTP 500); `onStep`
// runs a hook before every scoring chunk and every decode step that holds beam rows (tests advance a manual clock
// there).
import Engine
import Foundation
import Kernels
import struct T5.EncoderRow
import struct T5.SamplingParameters
import struct T5.StepLogProbs
import Testing

final class ControlledBackend: ModelBackend, @unchecked Sendable {
    typealias Encoded = T5Backend.Encoded
    typealias Sequence = T5Backend.Sequence
    typealias Beam = T5Backend.Beam

    let base: T5Backend
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var holding = false
    /// Model threads waiting inside a held encoder pass (several with `workers` > 1).
    private var heldCount = 0
    private var failing = false
    private var stepHook: (@Sendable () -> Void)?
    private var stepCount = 0

    init(base: T5Backend) { self.base = base }

    /// The next encoder pass waits until `release()`.
    func hold() { condition.withLock { holding = true } }

    /// Lets a held encoder pass (and later ones) run.
    func release() {
        condition.withLock {
            holding = false
            condition.broadcast()
        }
    }

    /// Makes every encoder pass from now on throw.
    func failEncoderPasses() { condition.withLock { failing = true } }

    /// Waits until `threads` model threads are held inside an encoder pass; fails after `timeout`.
    func waitUntilHeld(threads: Int = 1, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while condition.withLock({ heldCount }) < threads {
            try #require(ContinuousClock.now < deadline, "the model thread never reached the held encoder pass")
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    var dModel: Int { base.dModel }
    var modelDescription: String { base.modelDescription }
    func validate(_ ids: [Int32]) throws { try base.validate(ids) }
    func embed(_ ids: [Int32]) throws -> Tensor { try base.embed(ids) }  // (n, d)

    func encode(_ rows: [EncoderRow]) throws -> [Encoded] {
        let fail = condition.withLock {
            if holding {
                heldCount += 1
                while holding { condition.wait() }
                heldCount -= 1
            }
            return failing
        }
        if fail { throw POSIXError(.EIO) }
        return try base.encode(rows)
    }

    func startDecoding(_ encoded: Encoded, maxNewTokens: Int, sampling: SamplingParameters?) -> Sequence {
        base.startDecoding(encoded, maxNewTokens: maxNewTokens, sampling: sampling)
    }
    func logProbs(of sequence: Sequence) -> [StepLogProbs] { base.logProbs(of: sequence) }
    func decodeStep(_ sequences: [Sequence], beams: [Beam]) throws {
        if !beams.isEmpty { countStep() }
        try base.decodeStep(sequences, beams: beams)
    }
    func tokens(of sequence: Sequence) -> [Int32] { base.tokens(of: sequence) }
    func finishReason(of sequence: Sequence) -> FinishReason? { base.finishReason(of: sequence) }
    func startBeamSearch(_ encoded: Encoded, numBeams: Int, maxNewTokens: Int) -> Beam {
        base.startBeamSearch(encoded, numBeams: numBeams, maxNewTokens: maxNewTokens)
    }
    func result(of beam: Beam) -> (ids: [Int32], reason: FinishReason)? { base.result(of: beam) }
    func score(_ items: [(encoded: Encoded, targets: [[Int32]])]) throws -> [[Double]] {
        countStep()
        return try base.score(items)
    }

    /// Runs `body` before every scoring chunk and every decode step with beam rows from now on (a test advances its manual
    /// clock there, so each step "takes" a fixed time without any sleep).
    func onStep(_ body: @escaping @Sendable () -> Void) { condition.withLock { stepHook = body } }

    /// Scoring chunks and decode steps with beam rows run so far.
    var steps: Int { condition.withLock { stepCount } }

    private func countStep() {
        let hook = condition.withLock { () -> (@Sendable () -> Void)? in
            stepCount += 1
            return stepHook
        }
        hook?()
    }
}
