// The engine: keeps one model resident, accepts requests of every task, and runs them in shared batches on
// dedicated model threads (never the Swift cooperative pool or NIO event loops; performance notes §6.2): one by
// default, or `workers` of them over the one shared queue and the one read-only model, each with its own batch.
// Requests wait on continuations; the pure `Scheduler` decides each iteration; a ServiceLifecycle `Service`, so
// graceful shutdown drains queued and running work before `run()` returns.
import Foundation
import Kernels
import Logging
import Metrics
import Prompts
import Scheduling
import ServiceLifecycle
import T5

/// Multi-task batching inference engine over one resident model.
public final class Engine<Backend: ModelBackend>: InferenceService, Service, @unchecked Sendable {
    let backend: Backend
    let codec: any TextCodec
    /// Task artifacts; the engine pins a snapshot's `LoadedTask` per request.
    public let registry: TaskRegistry
    public let configuration: EngineConfiguration
    let logger: Logger
    let metrics: EngineMetrics
    /// What requests that name no task run: the base model with no prompt.
    let baseTask: LoadedTask

    // Guarded by `condition`.
    let condition = NSCondition()
    var scheduler: Scheduler
    var jobs: [RequestID: Job<Backend>] = [:]
    var nextID: UInt64 = 1
    var threadState: ThreadState = .notStarted
    /// Model threads still running their loop.
    var liveWorkers = 0
    var stats = EngineStatistics()
    var exitWaiters: [CheckedContinuation<Void, Never>] = []

    enum ThreadState { case notStarted, running, stopping, stopped }

    /// - Parameters:
    ///   - backend: the model (its methods run on the engine's model threads only; with several workers, calls run
    ///     concurrently on disjoint sequences).
    ///   - codec: the tokenizer.
    ///   - registry: the tasks.
    ///   - metricsFactory: where engine metrics go (the server passes its Prometheus factory).
    public init(backend: Backend, codec: any TextCodec, registry: TaskRegistry,
                configuration: EngineConfiguration = EngineConfiguration(),
                metricsFactory: any MetricsFactory = MetricsSystem.factory,
                logger: Logger = Logger(label: "album.engine")) {
        self.backend = backend
        self.codec = codec
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
        self.scheduler = Scheduler(policy: configuration.policy, lanes: configuration.workers)
        self.stats.admittedPerWorker = Array(repeating: 0, count: configuration.workers)
        self.metrics = EngineMetrics(factory: metricsFactory, model: backend.modelDescription, dModel: backend.dModel,
                                     workers: configuration.workers)
        self.baseTask = LoadedTask.baseModel(name: "", dModel: backend.dModel)  // "": the metrics label of no task
        metrics.tasksLoaded.record(registry.snapshot().tasks.count)
    }

    // MARK: Lifecycle

    /// Starts the model threads, one per worker (idempotent).
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard threadState == .notStarted else { return }
        threadState = .running
        liveWorkers = configuration.workers
        for worker in 0..<configuration.workers {
            let thread = Thread { [self] in
                if let budget = configuration.threadsPerWorker {
                    BLAS.withThreadBudget(budget) { runLoop(worker: worker) }
                } else {
                    runLoop(worker: worker)
                }
            }
            thread.name = configuration.workers == 1 ? "album-model" : "album-model-\(worker)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Refuses new requests, lets queued and running ones finish in every worker, then stops the model threads.
    public func shutdown() async {
        configuration.iterationGate?.openFully()  // draining runs whatever is left
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            scheduler.beginDrain()
            switch threadState {
            case .notStarted, .stopped:
                threadState = .stopped
                condition.unlock()
                continuation.resume()
            case .running, .stopping:
                threadState = .stopping
                exitWaiters.append(continuation)
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    /// ServiceLifecycle entry point: runs until graceful shutdown, then drains.
    public func run() async throws {
        start()
        try? await gracefulShutdown()
        logger.info("engine draining")
        await shutdown()
        logger.info("engine stopped")
    }

    /// Requests waiting for a row.
    public var queueDepth: Int { locked { scheduler.queuedCount } }
    /// Requests holding a row.
    public var runningCount: Int { locked { scheduler.runningCount } }

    /// How the engine has batched so far.
    public var statistics: EngineStatistics { locked { stats } }

    // MARK: InferenceService

    public func generate(_ request: GenerateJob) async throws -> GenerateResult {
        try await generate(request, sink: nil)
    }

    /// `generate`, reporting to `sink` (streams) once queued and for each token a stream may send.
    func generate(_ request: GenerateJob, sink: GenerationSink?) async throws -> GenerateResult {
        let timeout = request.timeout ?? configuration.defaultTimeout
        // The deadline counts the time before the engine and the tokenizing below too.
        let deadline = configuration.clock().advanced(by: timeout - request.elapsed)
        // Checked before the input too, so that the answer does not depend on whether the input fits the template.
        if let name = request.task, let named = registry.snapshot().task(named: name) { try Self.checkGenerates(named) }
        let (task, ids) = try prepareInput(task: request.task, input: request.input)
        try Self.checkGenerates(task)
        let maxNewTokens = request.maxNewTokens ?? task.decoding.maxNewTokens
        guard (1...configuration.maxNewTokensLimit).contains(maxNewTokens) else {
            throw EngineError.unsupportedValue(field: "max_new_tokens",
                                               reason: "must be between 1 and \(configuration.maxNewTokensLimit), got \(maxNewTokens)")
        }
        let beams = request.numBeams ?? 1
        guard (1...configuration.maxBeams).contains(beams) else {
            throw EngineError.unsupportedValue(field: "num_beams",
                                               reason: "must be between 1 and \(configuration.maxBeams), got \(beams)")
        }
        if request.returnAttention, !task.hasAttention {
            throw EngineError.unsupportedValue(field: "return_attention",
                                               reason: "\(describeForErrors(task)) has a static prompt; attention weights exist only for SPE tasks")
        }
        let sampling = try Self.samplingParameters(request, beams: beams, streamed: sink != nil)
        let work: JobWork = beams == 1 ? .decode(maxNewTokens: maxNewTokens, sampling: sampling, stop: request.stop)
                                       : .beam(numBeams: beams, maxNewTokens: maxNewTokens)
        let output = try await submit(task: task, ids: ids, work: work, deadline: deadline, timeout: timeout, sink: sink)
        guard case .generated(let outIDs, let reason, let attention, let logProbs, let cutText) = output else {
            preconditionFailure("generate job produced scores")
        }
        var entries: [AttentionEntry]?
        if request.returnAttention, let attention, case .spe(let module) = task.prompt {
            entries = Self.attentionEntries(attention, album: module.album)
        }
        var tokens: [GeneratedToken]?
        if request.logprobs != nil, let logProbs {
            var texts = TokenTexts(codec: codec, stops: request.stop)
            for id in outIDs { texts.append(id) }
            tokens = outIDs.indices.map { generatedToken(at: $0, texts: texts, logProbs: logProbs) }
        }
        return GenerateResult(task: isBase(task) ? nil : task.name, taskVersion: String(task.version),
                              text: cutText ?? codec.decode(outIDs), ids: outIDs, finishReason: reason,
                              inputTokens: ids.count, promptTokens: task.promptLength, attention: entries,
                              tokens: tokens, seed: (sampling?.temperature ?? 0) > 0 ? sampling?.seed : nil)
    }

    /// Starts a streamed generation; returns once the request is queued (errors before that, such as an unknown
    /// task or a full queue, are thrown here). Ending the stream's iteration cancels the request.
    public func generateStream(_ request: GenerateJob) async throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let acceptance = Acceptance()
        let sink = GenerationSink(accepted: { acceptance.succeed() }, token: { continuation.yield(.token($0)) })
        let work = Task {
            do {
                let result = try await generate(request, sink: sink)
                acceptance.succeed()
                continuation.yield(.finished(result))
                continuation.finish()
            } catch {
                if !acceptance.fail(error) { continuation.finish(throwing: error) } else { continuation.finish() }
            }
        }
        continuation.onTermination = { _ in work.cancel() }
        try await withTaskCancellationHandler { try await acceptance.wait() } onCancel: { work.cancel() }
        return stream
    }

    /// The client-facing token `index` of a finished or running generation.
    func generatedToken(at index: Int, texts: TokenTexts, logProbs: [StepLogProbs]) -> GeneratedToken {
        let id = texts.ids[index]
        guard index < logProbs.count else { return GeneratedToken(id: id, text: texts.text(ofToken: index)) }
        let step = logProbs[index]
        return GeneratedToken(id: id, text: texts.text(ofToken: index), logProb: step.chosen.logProb,
                              top: step.top.isEmpty ? nil : step.top.map { TokenAlternative(id: $0.id, text: texts.text(of: $0.id, after: index),
                                                                   logProb: $0.logProb) })
    }

    public func classify(_ request: ClassifyJob) async throws -> ClassifyResult {
        let timeout = request.timeout ?? configuration.defaultTimeout
        // The deadline counts the time before the engine and the tokenizing below too.
        let deadline = configuration.clock().advanced(by: timeout - request.elapsed)
        let (task, ids) = try prepareInput(task: request.task, input: request.input)
        guard let candidates = request.candidates ?? task.labels else {
            throw EngineError.invalidInput("\(describeForErrors(task)) has no labels; pass 'candidates'")
        }
        if request.returnAttention, !task.hasAttention {
            throw EngineError.unsupportedValue(field: "return_attention",
                                               reason: "\(describeForErrors(task)) has \(task.kind == .ensemble ? "ensemble" : "a static") prompt; attention weights exist only for SPE tasks")
        }
        guard !candidates.isEmpty else { throw EngineError.unsupportedValue(field: "candidates", reason: "is empty") }
        guard candidates.count <= configuration.maxCandidates else {
            throw EngineError.unsupportedValue(
                field: "candidates", reason: "has \(candidates.count) entries, more than the limit of \(configuration.maxCandidates)")
        }
        guard Set(candidates).count == candidates.count else {
            throw EngineError.unsupportedValue(field: "candidates", reason: "has duplicates")
        }
        let targets = try candidates.enumerated().map { index, candidate -> [Int32] in
            // Tokenizing many candidates takes time of its own: stop once the request is over.
            if Task.isCancelled { throw EngineError.cancelled }
            if configuration.clock() >= deadline {
                throw EngineError.deadlineExceeded(timeoutMilliseconds: Int(timeout.components.seconds * 1000
                                                                           + timeout.components.attoseconds / 1_000_000_000_000_000))
            }
            // Each candidate is one decoder row of its length. A cheap byte bound first (no vocabulary piece is 64
            // bytes long, so a candidate that long is over the token limit anyway), then the token count.
            let limit = configuration.maxCandidateTokens
            guard candidate.utf8.count < limit * 64 else {
                throw EngineError.unsupportedValue(
                    field: "candidates[\(index)]", reason: "has \(candidate.utf8.count) bytes; candidates are limited to \(limit) tokens")
            }
            let ids: [Int32]
            do {
                ids = try codec.encode(candidate)
                try backend.validate(ids)
            } catch {
                throw EngineError.invalidInput("candidates[\(index)] cannot be tokenized: \(error)")
            }
            guard ids.count <= limit else {
                throw EngineError.unsupportedValue(
                    field: "candidates[\(index)]", reason: "has \(ids.count) tokens, more than the limit of \(limit)")
            }
            return ids
        }
        let output = try await submit(task: task, ids: ids, work: .score(targets: targets), deadline: deadline,
                                      timeout: timeout)
        guard case .scored(let memberLogProbs, let attention) = output else { preconditionFailure("classify job produced ids") }
        var ensemble: EnsembleOutcome?
        let scores: [CandidateScore]
        var best: CandidateScore
        if case .ensemble(_, let combine) = task.prompt {
            let decision = EnsembleCombiner.combine(memberLogProbs, combine)
            scores = zip(candidates, decision.scores).map { CandidateScore(candidate: $0, logProb: $1) }
            best = scores[decision.best]
            ensemble = EnsembleOutcome(combine: combine.rawValue, memberLabels: decision.votes.map { candidates[$0] })
        } else {
            scores = zip(candidates, memberLogProbs[0]).map { CandidateScore(candidate: $0, logProb: $1) }
            best = scores[0]
            for s in scores.dropFirst() where s.logProb > best.logProb { best = s }
        }
        var entries: [AttentionEntry]?
        if request.returnAttention, let attention, case .spe(let module) = task.prompt {
            entries = Self.attentionEntries(attention, album: module.album)
        }
        return ClassifyResult(task: isBase(task) ? nil : task.name, taskVersion: String(task.version),
                              label: best.candidate, scores: scores, attention: entries, ensemble: ensemble)
    }

    /// Throws `unsupportedForTaskKind` for a task that cannot generate: an ensemble combines its members' label
    /// scores (rank classification); a generation would need its K rows decoded in lockstep.
    static func checkGenerates(_ task: LoadedTask) throws {
        if case .ensemble = task.prompt {
            throw EngineError.unsupportedForTaskKind(task: task.name, kind: task.kind.rawValue,
                                                     operation: "generation (ensembles serve /v1/classify)")
        }
    }

    public func isServing(task name: String) async -> Bool { registry.snapshot().task(named: name) != nil }

    public func tokenize(_ text: String) async throws -> [TokenPiece] {
        let ids: [Int32]
        do { ids = try codec.encode(text) } catch { throw EngineError.invalidInput("cannot tokenize: \(error)") }
        return ids.map { TokenPiece(id: $0, piece: codec.piece($0) ?? "") }
    }

    public func detokenize(_ ids: [Int32]) async throws -> String {
        do { try backend.validate(ids) } catch { throw EngineError.invalidInput("ids: \(error)") }
        return codec.decode(ids)
    }

    /// Whether `task` is the base model's stand-in (requests that name no task).
    func isBase(_ task: LoadedTask) -> Bool { task === baseTask }

    /// "task 'x'" or "the base model", for messages.
    func describeForErrors(_ task: LoadedTask) -> String { isBase(task) ? "the base model" : "task '\(task.name)'" }

    // MARK: Submission

    /// Resolves the task in the current snapshot, formats and tokenizes the input, and applies the length limit.
    func prepareInput(task name: String?, input: TaskInput) throws -> (LoadedTask, [Int32]) {
        let task: LoadedTask
        if let name {
            guard let named = registry.snapshot().task(named: name) else { throw EngineError.unknownTask(name) }
            task = named
        } else {
            task = baseTask
        }
        let text: String
        do { text = try task.formatInput(text: input.text, fields: input.fields) } catch {
            throw EngineError.invalidInput(error.description)
        }
        var ids: [Int32]
        do { ids = try codec.encode(text) } catch { throw EngineError.invalidInput("cannot tokenize input: \(error)") }
        do { try backend.validate(ids) } catch { throw EngineError.invalidInput("input: \(error)") }
        let limit = min(task.maxInputTokens ?? configuration.maxInputTokens, configuration.maxInputTokens)
        if ids.count > limit {
            switch configuration.overflow {
            case .reject: throw EngineError.inputTooLong(tokens: ids.count, limit: limit)
            case .truncate: ids = Array(ids.prefix(max(limit - 1, 0))) + [codec.eosID]
            }
        }
        guard !ids.isEmpty else { throw EngineError.invalidInput("empty input") }
        return (task, ids)
    }

    /// Queues a prepared job and suspends until the engine thread resumes it. Cancelling the calling task cancels
    /// the request (queued: removed at once; running: dropped at the next iteration).
    /// - Parameters:
    ///   - deadline: when the request fails with 504, in the engine's clock.
    ///   - timeout: the request's whole timeout (for the error message).
    ///   - sink: a stream's; told once the request is queued.
    func submit(task: LoadedTask, ids: [Int32], work: JobWork, deadline: ContinuousClock.Instant,
                timeout: Duration, sink: GenerationSink? = nil) async throws -> JobOutput {
        let id = locked { () -> RequestID in
            defer { nextID += 1 }
            return RequestID(nextID)
        }
        let cancelled = CancelFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<JobOutput, any Error>) in
                let now = configuration.clock()
                let job = Job<Backend>(id: id, task: task, inputIDs: ids, work: work, timeout: timeout,
                                       deadline: deadline, sink: sink, continuation: continuation)
                // An ensemble runs one encoder row per member.
                let pending = PendingRequest(id: id, task: task.name, encoderTokens: task.memberCount * (task.promptLength + ids.count),
                                             kind: job.kind, rows: job.rows, arrival: now, deadline: job.deadline)
                condition.lock()
                if cancelled.isSet {
                    condition.unlock()
                    continuation.resume(throwing: EngineError.cancelled)
                    return
                }
                if threadState == .notStarted {
                    condition.unlock()
                    continuation.resume(throwing: EngineError.internalFailure("engine is not started"))
                    return
                }
                do throws(SchedulingError) {
                    try scheduler.add(pending)
                } catch {
                    condition.unlock()
                    switch error {
                    case .queueFull(let capacity):
                        continuation.resume(throwing: EngineError.queueFull(
                            capacity: capacity, retryAfterSeconds: configuration.retryAfterSeconds))
                    case .draining: continuation.resume(throwing: EngineError.shuttingDown)
                    case .duplicateID: preconditionFailure("request ids are unique")
                    }
                    return
                }
                jobs[id] = job
                metrics.queueDepth.record(scheduler.queuedCount)
                condition.broadcast()  // any idle worker may take it
                condition.unlock()
                sink?.accepted()
            }
        } onCancel: {
            condition.lock()
            cancelled.isSet = true
            guard let job = jobs[id] else {
                condition.unlock()
                return
            }
            job.cancelled.withLock { $0 = true }  // seen by the model thread between steps of long work
            let outcome = scheduler.cancel(id)
            if outcome == .removedFromQueue { jobs[id] = nil }
            condition.broadcast()  // the worker holding the row drops it
            condition.unlock()
            if outcome == .removedFromQueue {
                job.continuation.resume(throwing: EngineError.cancelled)
                metrics.finished(task: job.task.name, outcome: "cancelled")
            }
        }
    }

    /// Runs `body` holding the engine lock (usable from async code: it never suspends while locked).
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    /// Set by a cancellation handler that ran before its job was queued; guarded by `condition`.
    final class CancelFlag: @unchecked Sendable {
        var isSet = false
    }

    static func attentionEntries(_ weights: [Float], album: PromptAlbum) -> [AttentionEntry] {
        weights.enumerated().map { index, weight in
            AttentionEntry(source: album.candidateLabel(index), weight: Double(weight))
        }
    }
}
