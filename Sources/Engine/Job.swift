// One request inside the engine: everything prepared on submit (pinned task version, ids, targets) plus the
// continuation to resume and the per-row model state the engine thread attaches while it runs. Its deadline and
// cancel flag let the model thread stop long work (scoring chunks, beam steps) as soon as the request is over.
import Kernels
import Prompts
import Scheduling

/// What a job produces.
enum JobOutput: Sendable {
    case generated(ids: [Int32], reason: FinishReason, attention: [Float]?)
    case scored([Double])
}

/// What a job asks of the model.
enum JobWork: Sendable {
    case greedy(maxNewTokens: Int)
    case beam(numBeams: Int, maxNewTokens: Int)
    case score(targets: [[Int32]])
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

    // Engine-thread state.
    var sequence: Backend.Sequence?
    var attention: [Float]?

    init(id: RequestID, task: LoadedTask, inputIDs: [Int32], work: JobWork, timeout: Duration,
         deadline: ContinuousClock.Instant, continuation: CheckedContinuation<JobOutput, any Error>) {
        self.id = id
        self.task = task
        self.inputIDs = inputIDs
        self.work = work
        self.timeout = timeout
        self.deadline = deadline
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
        if case .greedy = work { return .incremental }
        return .oneShot
    }
}
