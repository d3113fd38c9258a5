// Engine settings: batching policy, model threads (workers) and their thread budgets, request limits, and what to
// do with inputs over the length limit.
import Scheduling

/// What happens to an input longer than the task's (or the model's) limit.
public enum OverflowPolicy: String, Sendable, CaseIterable {
    /// Fail the request with `EngineError.inputTooLong` (HTTP 422).
    case reject
    /// Keep the first `limit - 1` tokens and `</s>`.
    case truncate
}

/// Settings of an `Engine`.
public struct EngineConfiguration: Sendable {
    public var policy: BatchPolicy
    /// Input token limit for tasks that set none (formatted input with `</s>`).
    public var maxInputTokens: Int
    public var overflow: OverflowPolicy
    /// Largest `max_new_tokens` a request may ask for.
    public var maxNewTokensLimit: Int
    /// Largest `num_beams`.
    public var maxBeams: Int
    /// Most candidates one classification may score (422 beyond).
    public var maxCandidates: Int
    /// Most tokens of one candidate, `</s>` included (422 beyond).
    public var maxCandidateTokens: Int
    /// Decoder positions scored per chunk; the model thread checks deadlines and cancellation between chunks, and
    /// the logits of one chunk (positions × vocabulary floats) bound the memory scoring takes.
    public var scoringChunkTokens: Int
    /// Deadline of requests that name none.
    public var defaultTimeout: Duration
    /// Seconds clients are told to wait after a full queue.
    public var retryAfterSeconds: Int
    /// The time arrivals and deadlines are measured in; tests inject a manual clock.
    public var clock: @Sendable () -> ContinuousClock.Instant
    /// When set, the model thread passes this gate once per iteration (tests use it to order the queue).
    public var iterationGate: IterationGate?
    /// Runs each beam search to its end inside the iteration that admits it, as Album did before beam rows joined
    /// the shared decode step. Every other request waits meanwhile; kept only so `album bench` can compare the two.
    public var blockingBeamSearch = false
    /// Model threads over the shared queue and the one resident model, each running its own batch (at least 1;
    /// `policy.maxBatchRows` is per worker). More workers trade latency for throughput on many cores.
    public var workers: Int { didSet { workers = max(1, workers) } }
    /// Threads each worker's own kernel splits (`Matmul.smallM`) may use (`BLAS.withThreadBudget`); nil: the
    /// process-wide `BLAS.threads`.
    public var threadsPerWorker: Int?

    public init(policy: BatchPolicy = BatchPolicy(), maxInputTokens: Int = 512, overflow: OverflowPolicy = .reject,
                maxNewTokensLimit: Int = 256, maxBeams: Int = 8, maxCandidates: Int = 64,
                maxCandidateTokens: Int = 64, scoringChunkTokens: Int = 256, defaultTimeout: Duration = .seconds(30),
                retryAfterSeconds: Int = 1, clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
                iterationGate: IterationGate? = nil, workers: Int = 1, threadsPerWorker: Int? = nil) {
        self.policy = policy
        self.maxInputTokens = maxInputTokens
        self.overflow = overflow
        self.maxNewTokensLimit = maxNewTokensLimit
        self.maxBeams = maxBeams
        self.maxCandidates = maxCandidates
        self.maxCandidateTokens = maxCandidateTokens
        self.scoringChunkTokens = scoringChunkTokens
        self.defaultTimeout = defaultTimeout
        self.retryAfterSeconds = retryAfterSeconds
        self.clock = clock
        self.iterationGate = iterationGate
        self.workers = max(1, workers)
        self.threadsPerWorker = threadsPerWorker.map { max(1, $0) }
    }
}
