// One request inside the engine: everything prepared on submit (pinned task version, ids, targets) plus the
// continuation to resume and the per-row model state the engine thread attaches while it runs. Its deadline and
// cancel flag let the model thread stop long work (scoring chunks) as soon as the request is over.
import Kernels
import Prompts
import Scheduling
import T5

/// What a job produces.
enum JobOutput: Sendable {
    /// `logProbs`: one entry per id when recorded; `text`: the output cut before a stop sequence, when one appeared.
    case generated(ids: [Int32], reason: FinishReason, attention: [Float]?, logProbs: [StepLogProbs]?, text: String?)
    /// One score array per member prompt (one for every task but an ensemble), each in candidate order.
    case scored([[Double]], attention: [Float]?)
}

/// What a job asks of the model.
enum JobWork: Sendable {
    /// Token by token in the shared decode steps: greedy, or as `sampling` says; `stop` ends it on text.
    case decode(maxNewTokens: Int, sampling: SamplingParameters?, stop: [String])
    /// A beam search whose K rows step in the shared decode steps, one token per iteration.
    case beam(numBeams: Int, maxNewTokens: Int)
    case score(targets: [[Int32]])
}

/// Where a streamed job reports: once it is queued, and each token a stream may send.
final class GenerationSink: Sendable {
    let accepted: @Sendable () -> Void
    let token: @Sendable (GeneratedToken) -> Void
    init(accepted: @escaping @Sendable () -> Void, token: @escaping @Sendable (GeneratedToken) -> Void) {
        self.accepted = accepted
        self.token = token
    }
}

/// Engine-internal request record. Fields other than the model state are immutable; the model state is touched
/// only by the engine thread.
final class Job<Backend: ModelBackend>: @unchecked Sendable {
    let id: RequestID
    /// The task version pinned when the request was accepted; used for the whole request (hot swap safe).
    let task: LoadedTask
    let inputIDs: [Int32]
    let work: JobWork
    let continuation: CheckedContinuation<JobOutput, any Error>
    let timeout: Duration
    /// When the request's deadline passes, in the engine's clock.
    let deadline: ContinuousClock.Instant
    /// Set when the client goes away; read by the model thread between steps of long work.
    let cancelled = LockedValue(false)
    /// Streamed jobs: where tokens go as they are decided.
    let sink: GenerationSink?

    // Engine-thread state.
    var sequence: Backend.Sequence?
    var beam: Backend.Beam?
    var attention: [Float]?
    /// Decoded text per token, for stop sequences and streams; nil when the job needs neither.
    var texts: TokenTexts?
    /// Tokens already sent to the sink.
    var streamed = 0

    init(id: RequestID, task: LoadedTask, inputIDs: [Int32], work: JobWork, timeout: Duration,
         deadline: ContinuousClock.Instant, sink: GenerationSink? = nil,
         continuation: CheckedContinuation<JobOutput, any Error>) {
        self.id = id
        self.task = task
        self.inputIDs = inputIDs
        self.work = work
        self.timeout = timeout
        self.deadline = deadline
        self.sink = sink
        self.continuation = continuation
    }

    /// The error that ends this job early at `now` (cancelled, or past its deadline); nil while it may go on.
    func stopReason(now: ContinuousClock.Instant) -> EngineError? {
        if cancelled.withLock({ $0 }) { return .cancelled }
        if now >= deadline { return .deadlineExceeded(timeoutMilliseconds: timeoutMilliseconds) }
        return nil
    }

    var timeoutMilliseconds: Int {
        Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
    }

    var kind: RequestKind {
        if case .score = work { return .oneShot }
        return .incremental
    }

    /// Rows of the running batch the job holds: K for a beam search, else 1.
    var rows: Int {
        if case .beam(let numBeams, _) = work { return numBeams }
        return 1
    }
}
