// The batching state machine: a pure value type in the style of vLLM's `schedule()` / `update_from_output`.
// It never reads a clock (time is passed in) and never touches tensors, so it is tested with scripted arrivals.
// Iteration-level scheduling: every call may admit new requests (their encoder pass) while others keep decoding.
// With several lanes (one per model thread), the queue is shared and each lane holds its own running rows.
import DequeModule

/// Decides, one engine iteration at a time, which requests start and which running sequences step.
///
/// Policy:
/// - a bounded FIFO queue per task; tasks take turns (round robin), so one busy task cannot starve the others;
/// - at most `maxBatchRows` decoder rows run at once (a beam search holds K) and an encoder pass holds at most
///   `maxBatchTokens` positions; a request wider than `maxBatchRows` runs alone;
/// - while nothing runs, a partial batch waits at most `maxWait` for company; while something runs, newcomers
///   join at the next iteration;
/// - deadlines are enforced for queued and running requests; a cancelled request leaves at the next iteration;
/// - with several lanes (model threads over one shared queue), each lane runs its own batch of at most
///   `maxBatchRows` rows, and a lane admits only up to its fair share of the work (rows running + queued, divided
///   by the lanes), so newcomers go to the least-loaded lane and no lane idles while another holds a queue.
public struct Scheduler: Sendable {
    public let policy: BatchPolicy
    /// Model threads sharing the queue, each with its own running rows.
    public let laneCount: Int

    /// Waiting requests per task, FIFO.
    private var queues: [String: Deque<PendingRequest>] = [:]
    /// Tasks with waiting requests, in the order they get their next turn.
    private var ring: Deque<String> = []
    /// Requests holding rows, per lane, in admission order.
    private var lanes: [[PendingRequest]]
    /// Running requests whose client went away; removed at the next `schedule`.
    private var cancelledRunning: Set<RequestID> = []
    private var known: Set<RequestID> = []
    public private(set) var queuedCount = 0
    /// True once `beginDrain` was called: new requests are refused, the queue still runs.
    public private(set) var isDraining = false

    /// - Parameter lanes: model threads that call `schedule(now:lane:)` (at least 1).
    public init(policy: BatchPolicy, lanes: Int = 1) {
        self.policy = policy
        self.laneCount = max(1, lanes)
        self.lanes = Array(repeating: [], count: max(1, lanes))
    }

    // MARK: Observation

    /// Requests holding rows, all lanes together (`runningRows` counts the rows).
    public var runningCount: Int { lanes.reduce(0) { $0 + $1.count } }
    /// Requests holding rows of `lane`.
    public func runningCount(lane: Int) -> Int { lanes[lane].count }
    /// Decoder rows in use, all lanes together (each request's `rows`: K for a beam search).
    public var runningRows: Int { lanes.indices.reduce(0) { $0 + runningRows(lane: $1) } }
    /// Decoder rows in use in `lane`.
    public func runningRows(lane: Int) -> Int { lanes[lane].reduce(0) { $0 + $1.rows } }
    /// Decoder rows the waiting requests will hold.
    private var queuedRows: Int { queues.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.rows } } }
    /// Nothing waiting and nothing running.
    public var isIdle: Bool { queuedCount == 0 && lanes.allSatisfy(\.isEmpty) }
    /// Nothing waiting and nothing running in `lane`: its model thread may stop once draining.
    public func isIdle(lane: Int) -> Bool { queuedCount == 0 && lanes[lane].isEmpty }
    /// Waiting requests per task name.
    public var queuedByTask: [String: Int] { queues.mapValues(\.count) }

    // MARK: Transitions

    /// Accepts a request into the waiting queue.
    /// - Throws: `.queueFull` when `maxQueueSize` requests already wait, `.draining` after `beginDrain()`,
    ///   `.duplicateID` when the id is in use.
    public mutating func add(_ request: PendingRequest) throws(SchedulingError) {
        guard !isDraining else { throw .draining }
        guard queuedCount < policy.maxQueueSize else { throw .queueFull(capacity: policy.maxQueueSize) }
        guard !known.contains(request.id) else { throw .duplicateID(request.id) }
        known.insert(request.id)
        if queues[request.task, default: []].isEmpty { ring.append(request.task) }
        queues[request.task, default: []].append(request)
        queuedCount += 1
    }

    /// What `cancel` did.
    public enum CancelOutcome: Equatable, Sendable {
        /// The request was waiting and is gone now; the caller fails it.
        case removedFromQueue
        /// The request holds a row; the next step lists it in `cancelled` and frees the row.
        case stopsAtNextStep
        /// The id is not queued or running (already finished, or never added).
        case unknown
    }

    /// Cancels a request whose client went away.
    public mutating func cancel(_ id: RequestID) -> CancelOutcome {
        guard known.contains(id) else { return .unknown }
        if lanes.contains(where: { $0.contains { $0.id == id } }) {
            cancelledRunning.insert(id)
            return .stopsAtNextStep
        }
        for (task, queue) in queues {
            if let index = queue.firstIndex(where: { $0.id == id }) {
                queues[task]!.remove(at: index)
                dropTaskIfEmpty(task)
                queuedCount -= 1
                known.remove(id)
                return .removedFromQueue
            }
        }
        preconditionFailure("request \(id) is known but neither queued nor running")
    }

    /// Frees the rows of requests the engine finished (one-shot work done, or a sequence that ended).
    public mutating func finish<S: Sequence<RequestID>>(_ ids: S) {
        let done = Set(ids)
        guard !done.isEmpty else { return }
        let before = runningCount
        for lane in lanes.indices { lanes[lane].removeAll { done.contains($0.id) } }
        precondition(before - runningCount == done.count, "finish() names a request that is not running")
        known.subtract(done)
        cancelledRunning.subtract(done)
    }

    /// Refuses new requests from now on; queued and running ones still complete.
    public mutating func beginDrain() {
        isDraining = true
    }

    /// Plans one iteration of `lane`'s model thread at time `now`: its cancelled and expired rows (and expired
    /// queued requests, whichever lane finds them) leave, newcomers join its batch, its sequences step.
    public mutating func schedule(now: ContinuousClock.Instant, lane: Int = 0) -> SchedulerStep {
        var step = SchedulerStep()
        removeCancelled(lane: lane, into: &step)
        removeExpired(now: now, lane: lane, into: &step)
        if batchIsReady(now: now, lane: lane) { admit(lane: lane, into: &step) }
        step.decoding = lanes[lane].lazy.filter { $0.kind == .incremental }.map(\.id)
        return step
    }

    /// When `lane`'s model thread should call `schedule` again if nothing else happens (a partial batch's wait
    /// ends, or a deadline passes). `nil` means "not until the next `add`, `cancel` or `finish`".
    public func nextWakeUp(lane: Int = 0) -> ContinuousClock.Instant? {
        var wake: ContinuousClock.Instant? = nil
        func consider(_ t: ContinuousClock.Instant?) {
            if let t { wake = wake.map { min($0, t) } ?? t }
        }
        if lanes[lane].isEmpty, let oldest = oldestArrival() { consider(oldest.advanced(by: policy.maxWait)) }
        for queue in queues.values { for request in queue { consider(request.deadline) } }
        for request in lanes[lane] { consider(request.deadline) }
        return wake
    }

    /// Rows `lane` may hold now: its share of the rows running or waiting, rounded up, within `maxBatchRows`.
    /// With one lane this is `maxBatchRows`.
    public func fairShare(lane: Int) -> Int {
        guard laneCount > 1 else { return policy.maxBatchRows }
        let work = runningRows + queuedRows
        return min(policy.maxBatchRows, (work + laneCount - 1) / laneCount)
    }

    // MARK: Steps of `schedule`

    /// Only `lane`'s own rows: another lane's thread may be running its rows right now.
    private mutating func removeCancelled(lane: Int, into step: inout SchedulerStep) {
        guard !cancelledRunning.isEmpty else { return }
        step.cancelled = lanes[lane].filter { cancelledRunning.contains($0.id) }.map(\.id)
        finish(step.cancelled)
    }

    private mutating func removeExpired(now: ContinuousClock.Instant, lane: Int, into step: inout SchedulerStep) {
        func isExpired(_ r: PendingRequest) -> Bool { r.deadline.map { $0 <= now } ?? false }
        for task in Array(ring) {
            let queue = queues[task]!
            let expired = queue.filter(isExpired)
            guard !expired.isEmpty else { continue }
            queues[task]!.removeAll(where: isExpired)
            queuedCount -= expired.count
            known.subtract(expired.map(\.id))
            step.expired += expired.map(\.id)
            dropTaskIfEmpty(task)
        }
        let expiredRunning = lanes[lane].filter(isExpired).map(\.id)
        step.expired += expiredRunning
        finish(expiredRunning)
    }

    /// Whether waiting requests may start in `lane` now.
    private func batchIsReady(now: ContinuousClock.Instant, lane: Int) -> Bool {
        guard queuedCount > 0, runningRows(lane: lane) < fairShare(lane: lane) else { return false }
        if !lanes[lane].isEmpty || isDraining { return true }
        if queuedRows >= policy.maxBatchRows { return true }
        if queues.values.reduce(0, { $0 + $1.reduce(0) { $0 + $1.encoderTokens } }) >= policy.maxBatchTokens {
            return true
        }
        return oldestArrival().map { now >= $0.advanced(by: policy.maxWait) } ?? false
    }

    /// Round robin over tasks, FIFO within a task, until the lane's rows (its fair share) or encoder tokens run
    /// out. A task whose head does not fit keeps its turn for the next iteration, so large requests are delayed,
    /// never skipped forever (one wider than the lane's rows runs once its lane is empty).
    private mutating func admit(lane: Int, into step: inout SchedulerStep) {
        var tokens = 0
        let rows = fairShare(lane: lane)  // admitting moves work from queued to running: the share stays
        var used = runningRows(lane: lane)
        while used < rows, let task = ring.first {
            let head = queues[task]!.first!
            if !step.admitted.isEmpty && tokens + head.encoderTokens > policy.maxBatchTokens { break }
            if !lanes[lane].isEmpty && used + head.rows > rows { break }
            queues[task]!.removeFirst()
            queuedCount -= 1
            tokens += head.encoderTokens
            used += head.rows
            lanes[lane].append(head)
            step.admitted.append(head)
            ring.removeFirst()
            if !queues[task]!.isEmpty { ring.append(task) } else { queues[task] = nil }
        }
        // Stable sort: equal lengths keep their fairness order.
        step.admitted = step.admitted.enumerated()
            .sorted { ($0.element.encoderTokens, $0.offset) < ($1.element.encoderTokens, $1.offset) }
            .map(\.element)
    }

    private func oldestArrival() -> ContinuousClock.Instant? {
        queues.values.compactMap { $0.first?.arrival }.min()
    }

    private mutating func dropTaskIfEmpty(_ task: String) {
        guard queues[task]?.isEmpty ?? false else { return }
        queues[task] = nil
        ring.removeAll { $0 == task }
    }
}
