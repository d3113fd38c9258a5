// Scheduler state-machine tests: scripted arrivals with injected time, exact batch composition checked
// (in the spirit of CTranslate2's batching tests). No model, no clock.
import Testing
@testable import Scheduling

/// A scripted clock: `at(ms)` is an instant `ms` milliseconds after an arbitrary origin.
private struct Script {
    let origin = ContinuousClock.now
    func at(_ ms: Int) -> ContinuousClock.Instant { origin.advanced(by: .milliseconds(ms)) }

    func request(_ id: UInt64, _ task: String, tokens: Int = 10, kind: RequestKind = .incremental, rows: Int = 1,
                 at ms: Int = 0, deadline: Int? = nil) -> PendingRequest {
        PendingRequest(id: RequestID(id), task: task, encoderTokens: tokens, kind: kind, rows: rows,
                       arrival: at(ms), deadline: deadline.map(at))
    }
}

private func ids(_ requests: [PendingRequest]) -> [UInt64] { requests.map(\.id.rawValue) }
private func ids(_ requests: [RequestID]) -> [UInt64] { requests.map(\.rawValue) }

@Suite struct SchedulerTests {
    @Test func partialBatchWaitsForMaxWaitThenRuns() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 4, maxBatchTokens: 1000, maxWait: .milliseconds(5)))
        try sched.add(s.request(1, "a", at: 0))
        try sched.add(s.request(2, "b", at: 2))
        #expect(sched.schedule(now: s.at(4)).isEmpty, "a partial batch must wait until the oldest waited maxWait")
        #expect(sched.nextWakeUp() == s.at(5))
        let step = sched.schedule(now: s.at(5))
        #expect(ids(step.admitted) == [1, 2])
        #expect(ids(step.decoding) == [1, 2])
        #expect(sched.runningCount == 2 && sched.queuedCount == 0)
    }

    @Test func fullBatchRunsWithoutWaiting() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 3, maxBatchTokens: 1000, maxWait: .seconds(10)))
        for i in 1...4 { try sched.add(s.request(UInt64(i), "a")) }
        let step = sched.schedule(now: s.at(0))
        #expect(ids(step.admitted) == [1, 2, 3], "rows are capped at maxBatchRows")
        #expect(sched.queuedCount == 1)
    }

    @Test func tokenBudgetRunsBatchEarlyAndCapsEncoderPass() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 8, maxBatchTokens: 100, maxWait: .seconds(10)))
        try sched.add(s.request(1, "a", tokens: 60))
        try sched.add(s.request(2, "a", tokens: 30))
        try sched.add(s.request(3, "a", tokens: 20))
        let step = sched.schedule(now: s.at(0))  // 110 queued tokens >= 100: ready at once
        #expect(ids(step.admitted) == [2, 1], "60 + 30 fit, 20 more would exceed 100; admitted sorted by length")
        #expect(step.encoderTokens == 90)
        #expect(step.paddedLayoutWaste == 30)
        // Decoding runs, so the remaining request joins at the next iteration without waiting.
        let next = sched.schedule(now: s.at(1))
        #expect(ids(next.admitted) == [3])
        #expect(ids(next.decoding) == [1, 2, 3])
    }

    @Test func oversizedRequestStillRunsAlone() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 8, maxBatchTokens: 50, maxWait: .zero))
        try sched.add(s.request(1, "a", tokens: 80))
        try sched.add(s.request(2, "b", tokens: 10))
        #expect(ids(sched.schedule(now: s.at(0)).admitted) == [1])
        #expect(ids(sched.schedule(now: s.at(0)).admitted) == [2])
    }

    @Test func newRequestsJoinWhileOthersDecodeAndFinishIndependently() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 3, maxBatchTokens: 1000, maxWait: .zero))
        try sched.add(s.request(1, "a"))
        try sched.add(s.request(2, "b"))
        #expect(ids(sched.schedule(now: s.at(0)).decoding) == [1, 2])
        try sched.add(s.request(3, "c", at: 1))
        try sched.add(s.request(4, "c", at: 1))
        var step = sched.schedule(now: s.at(1))
        #expect(ids(step.admitted) == [3], "only one row is free")
        #expect(ids(step.decoding) == [1, 2, 3])
        sched.finish([RequestID(2)])  // request 2 emitted EOS; 1 and 3 go on
        step = sched.schedule(now: s.at(2))
        #expect(ids(step.admitted) == [4])
        #expect(ids(step.decoding) == [1, 3, 4])
    }

    @Test func oneShotRequestsHoldARowOnlyUntilFinished() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 2, maxBatchTokens: 1000, maxWait: .zero))
        try sched.add(s.request(1, "a", kind: .oneShot))
        try sched.add(s.request(2, "a", kind: .incremental))
        let step = sched.schedule(now: s.at(0))
        #expect(ids(step.admitted) == [1, 2])
        #expect(ids(step.decoding) == [2], "one-shot work never joins the decode batch")
        sched.finish([RequestID(1)])
        #expect(sched.runningCount == 1)
    }

    @Test func beamSearchesHoldOneRowPerBeam() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 6, maxBatchTokens: 1000, maxWait: .zero))
        try sched.add(s.request(1, "a", rows: 4))
        try sched.add(s.request(2, "a"))
        try sched.add(s.request(3, "a", rows: 3))
        try sched.add(s.request(4, "a"))
        var step = sched.schedule(now: s.at(0))
        #expect(ids(step.admitted) == [1, 2], "4 + 1 rows; the 3-row search does not fit the sixth row")
        #expect(ids(step.decoding) == [1, 2], "beam rows step with the greedy ones")
        #expect(sched.runningRows == 5 && sched.runningCount == 2)
        step = sched.schedule(now: s.at(1))
        #expect(step.admitted.isEmpty, "the head of the queue waits for rows; nothing behind it jumps ahead")
        sched.finish([RequestID(2)])
        #expect(sched.runningRows == 4)
        sched.finish([RequestID(1)])
        step = sched.schedule(now: s.at(2))
        #expect(ids(step.admitted) == [3, 4] && sched.runningRows == 4)
    }

    @Test func aSearchWiderThanTheBatchRunsAlone() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 2, maxBatchTokens: 1000, maxWait: .zero))
        try sched.add(s.request(1, "a"))
        try sched.add(s.request(2, "a", rows: 4))
        try sched.add(s.request(3, "a"))
        var step = sched.schedule(now: s.at(0))
        #expect(ids(step.admitted) == [1])
        sched.finish([RequestID(1)])
        step = sched.schedule(now: s.at(1))
        #expect(ids(step.admitted) == [2] && sched.runningRows == 4, "alone, over the limit, so it cannot starve")
        step = sched.schedule(now: s.at(2))
        #expect(step.admitted.isEmpty && ids(step.decoding) == [2])
        sched.finish([RequestID(2)])
        step = sched.schedule(now: s.at(3))
        #expect(ids(step.admitted) == [3] && sched.runningRows == 1)
    }

    @Test func cancelledOrExpiredSearchesFreeTheirRows() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 8, maxBatchTokens: 1000, maxWait: .zero))
        try sched.add(s.request(1, "a", rows: 4))
        try sched.add(s.request(2, "b", rows: 3, deadline: 10))
        _ = sched.schedule(now: s.at(0))
        #expect(sched.runningRows == 7)
        #expect(sched.cancel(RequestID(1)) == .stopsAtNextStep)
        var step = sched.schedule(now: s.at(1))
        #expect(ids(step.cancelled) == [1] && sched.runningRows == 3)
        step = sched.schedule(now: s.at(10))
        #expect(ids(step.expired) == [2] && sched.runningRows == 0 && sched.isIdle)
    }

    @Test func busyTaskCannotStarveOthers() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 4, maxBatchTokens: 1000, maxWait: .zero))
        for i in 1...20 { try sched.add(s.request(UInt64(i), "busy")) }
        try sched.add(s.request(100, "quiet", at: 1))
        try sched.add(s.request(101, "other", at: 2))
        let step = sched.schedule(now: s.at(3))
        #expect(ids(step.admitted) == [1, 100, 101, 2], "round robin: each task gets a turn per round")
    }

    @Test func roundRobinTurnCarriesOverIterations() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 1, maxBatchTokens: 1000, maxWait: .zero))
        for i in 1...3 { try sched.add(s.request(UInt64(i), "a")) }
        for i in 11...13 { try sched.add(s.request(UInt64(i), "b")) }
        var order: [UInt64] = []
        for t in 0..<6 {
            let step = sched.schedule(now: s.at(t))
            order += ids(step.admitted)
            sched.finish(step.admitted.map(\.id))
        }
        #expect(order == [1, 11, 2, 12, 3, 13])
    }

    @Test func queueIsBoundedAndRejectsDuplicates() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxQueueSize: 2, maxBatchRows: 1, maxWait: .seconds(1)))
        try sched.add(s.request(1, "a"))
        #expect(throws: SchedulingError.duplicateID(RequestID(1))) { try sched.add(s.request(1, "b")) }
        try sched.add(s.request(2, "a"))
        #expect(throws: SchedulingError.queueFull(capacity: 2)) { try sched.add(s.request(3, "a")) }
        // Running requests do not count against the queue bound.
        _ = sched.schedule(now: s.at(0))
        try sched.add(s.request(3, "a"))
        #expect(sched.queuedCount == 2 && sched.runningCount == 1)
    }

    @Test func deadlinesExpireQueuedAndRunningRequests() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 1, maxBatchTokens: 1000, maxWait: .zero))
        try sched.add(s.request(1, "a", deadline: 50))
        try sched.add(s.request(2, "a", deadline: 20))
        try sched.add(s.request(3, "b", deadline: nil))
        #expect(ids(sched.schedule(now: s.at(0)).admitted) == [1])
        #expect(sched.nextWakeUp() == s.at(20))
        var step = sched.schedule(now: s.at(20))
        #expect(ids(step.expired) == [2], "queued request 2 passed its deadline")
        #expect(step.admitted.isEmpty && ids(step.decoding) == [1])
        step = sched.schedule(now: s.at(50))
        #expect(ids(step.expired) == [1], "running request 1 passed its deadline and frees its row")
        #expect(ids(step.admitted) == [3])
        #expect(ids(step.decoding) == [3])
        #expect(sched.nextWakeUp() == nil)
    }

    @Test func cancellationOfQueuedAndRunningRequests() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 1, maxBatchTokens: 1000, maxWait: .zero))
        try sched.add(s.request(1, "a"))
        try sched.add(s.request(2, "a"))
        try sched.add(s.request(3, "a"))
        _ = sched.schedule(now: s.at(0))
        #expect(sched.cancel(RequestID(2)) == .removedFromQueue)
        #expect(sched.cancel(RequestID(1)) == .stopsAtNextStep)
        #expect(sched.cancel(RequestID(99)) == .unknown)
        let step = sched.schedule(now: s.at(1))
        #expect(ids(step.cancelled) == [1])
        #expect(ids(step.admitted) == [3])
        #expect(ids(step.decoding) == [3])
        sched.finish([RequestID(3)])
        #expect(sched.isIdle)
        #expect(sched.cancel(RequestID(1)) == .unknown, "a finished request can no longer be cancelled")
    }

    @Test func drainingRefusesNewWorkButFinishesQueuedWork() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 4, maxBatchTokens: 1000, maxWait: .seconds(60)))
        try sched.add(s.request(1, "a"))
        sched.beginDrain()
        #expect(throws: SchedulingError.draining) { try sched.add(s.request(2, "a")) }
        #expect(ids(sched.schedule(now: s.at(0)).admitted) == [1], "draining does not wait for a fuller batch")
        sched.finish([RequestID(1)])
        #expect(sched.isIdle)
    }

    @Test func nextWakeUpIsNilWhenIdleAndWaitEndWhenQueued() throws {
        let s = Script()
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 4, maxWait: .milliseconds(3)))
        #expect(sched.nextWakeUp() == nil)
        try sched.add(s.request(1, "a", at: 10, deadline: 100))
        #expect(sched.nextWakeUp() == s.at(13))
        #expect(sched.queuedByTask == ["a": 1])
    }

    /// A long random script: invariants hold at every step (rows, beam rows included, and tokens within limits; the
    /// decode batch is exactly the running incremental requests, and every request leaves exactly once).
    @Test func randomScriptKeepsInvariants() throws {
        let s = Script()
        let policy = BatchPolicy(maxQueueSize: 64, maxBatchRows: 5, maxBatchTokens: 120, maxWait: .milliseconds(2))
        var sched = Scheduler(policy: policy)
        var rng = SplitMix(seed: 7)
        var nextID: UInt64 = 1
        var outstanding: Set<UInt64> = []
        var running: Set<UInt64> = []
        var left: [UInt64: Int] = [:]  // decode steps left per running incremental request
        var rows: [UInt64: Int] = [:]  // rows each request holds once running
        var finishedCount = 0
        for t in 0..<2000 {
            for _ in 0..<Int(rng.next() % 3) {
                let tasks = ["a", "a", "a", "b", "c"]
                let r = s.request(nextID, tasks[Int(rng.next() % 5)], tokens: 1 + Int(rng.next() % 70),
                                  kind: rng.next() % 4 == 0 ? .oneShot : .incremental,
                                  rows: rng.next() % 3 == 0 ? 2 + Int(rng.next() % 5) : 1, at: t,  // beams, some > 5
                                  deadline: rng.next() % 10 == 0 ? t + 15 : nil)
                do {
                    try sched.add(r)
                    outstanding.insert(nextID)
                    rows[nextID] = r.rows
                } catch {
                    #expect(error == .queueFull(capacity: 64))
                }
                nextID += 1
            }
            if rng.next() % 17 == 0, let victim = outstanding.sorted().randomElement(using: &rng) {  // sorted: Set order varies per process
                if sched.cancel(RequestID(victim)) == .removedFromQueue { outstanding.remove(victim) }
            }
            let step = sched.schedule(now: s.at(t))
            #expect(step.admitted.count <= 1 || step.encoderTokens <= policy.maxBatchTokens)
            for id in step.expired + step.cancelled {
                #expect(outstanding.remove(id.rawValue) != nil, "request \(id) left twice")
                running.remove(id.rawValue)
                left[id.rawValue] = nil
            }
            var done: [RequestID] = []
            for r in step.admitted {
                running.insert(r.id.rawValue)
                if r.kind == .oneShot { done.append(r.id) } else { left[r.id.rawValue] = 1 + Int(rng.next() % 6) }
            }
            #expect(Set(step.decoding.map(\.rawValue)) == Set(left.keys))
            for id in step.decoding {
                left[id.rawValue]! -= 1
                if left[id.rawValue] == 0 { done.append(id); left[id.rawValue] = nil }
            }
            sched.finish(done)
            for id in done {
                running.remove(id.rawValue)
                #expect(outstanding.remove(id.rawValue) != nil)
                finishedCount += 1
            }
            #expect(sched.runningCount == running.count)
            #expect(sched.runningRows == running.reduce(0) { $0 + rows[$1]! })
            #expect(sched.runningRows <= policy.maxBatchRows || running.count == 1, "only a lone request exceeds the rows")
        }
        #expect(finishedCount > 500)
    }
}

/// Deterministic generator for the random script.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1330_11EB
        return z ^ (z >> 31)
    }
}
