// Scheduler with several lanes (one per model thread over the shared queue): fair shares, per-lane batches,
// cancellation and expiry only of a lane's own rows, and per-lane drain. Scripted time, no model.
import Testing
@testable import Scheduling

private let origin = ContinuousClock.now
private func at(_ ms: Int) -> ContinuousClock.Instant { origin.advanced(by: .milliseconds(ms)) }
private func request(_ id: UInt64, tokens: Int = 10, kind: RequestKind = .incremental,
                     deadline: Int? = nil) -> PendingRequest {
    PendingRequest(id: RequestID(id), task: "t", encoderTokens: tokens, kind: kind, arrival: at(0),
                   deadline: deadline.map(at))
}
private func ids(_ requests: [PendingRequest]) -> [UInt64] { requests.map(\.id.rawValue) }
private func ids(_ requests: [RequestID]) -> [UInt64] { requests.map(\.rawValue) }

@Suite struct SchedulerLaneTests {
    @Test func queueSplitsIntoFairSharesAcrossLanes() throws {
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 16, maxWait: .zero), lanes: 2)
        for i in 1...5 { try sched.add(request(UInt64(i))) }
        let first = sched.schedule(now: at(0), lane: 0)
        #expect(ids(first.admitted) == [1, 2, 3], "lane 0 takes ceil(5 / 2) rows, not the whole queue")
        let second = sched.schedule(now: at(0), lane: 1)
        #expect(ids(second.admitted) == [4, 5])
        #expect(ids(second.decoding) == [4, 5], "a lane steps only its own sequences")
        #expect(sched.runningCount(lane: 0) == 3 && sched.runningCount(lane: 1) == 2 && sched.runningCount == 5)
    }

    @Test func newcomerGoesToTheLeastLoadedLane() throws {
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 16, maxWait: .zero), lanes: 2)
        for i in 1...2 { try sched.add(request(UInt64(i))) }
        _ = sched.schedule(now: at(0), lane: 0)  // its share of 2 requests over 2 lanes is 1
        #expect(sched.runningCount(lane: 0) == 1 && sched.queuedCount == 1)
        _ = sched.schedule(now: at(0), lane: 1)
        try sched.add(request(3))
        // Both lanes hold one row; the share of 3 over 2 lanes is 2, so whichever lane asks first takes it.
        #expect(ids(sched.schedule(now: at(1), lane: 1).admitted) == [3])
        try sched.add(request(4))
        #expect(sched.schedule(now: at(2), lane: 1).admitted.isEmpty, "lane 1 holds its share (2 of 4)")
        #expect(ids(sched.schedule(now: at(2), lane: 0).admitted) == [4], "the less loaded lane takes it")
    }

    @Test func eachLaneIsCappedAtMaxBatchRows() throws {
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 2, maxWait: .zero), lanes: 2)
        for i in 1...6 { try sched.add(request(UInt64(i))) }
        #expect(ids(sched.schedule(now: at(0), lane: 0).admitted) == [1, 2])
        #expect(ids(sched.schedule(now: at(0), lane: 1).admitted) == [3, 4])
        #expect(sched.queuedCount == 2)
        sched.finish([RequestID(1)])
        #expect(ids(sched.schedule(now: at(1), lane: 0).admitted) == [5], "a freed row of lane 0 refills lane 0")
    }

    @Test func beamRowsCountTowardsALanesShare() throws {
        // Two lanes of at most 4 rows; a 4-beam search (4 rows) and four single-row requests: 8 rows of work.
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 4, maxWait: .zero), lanes: 2)
        try sched.add(PendingRequest(id: RequestID(1), task: "t", encoderTokens: 10, kind: .incremental, rows: 4,
                                     arrival: at(0), deadline: nil))
        for i in 2...5 { try sched.add(request(UInt64(i))) }
        #expect(ids(sched.schedule(now: at(0), lane: 0).admitted) == [1], "the search fills lane 0's share of 4 rows")
        #expect(sched.runningRows(lane: 0) == 4 && sched.runningCount(lane: 0) == 1)
        #expect(ids(sched.schedule(now: at(0), lane: 1).admitted) == [2, 3, 4, 5])
        #expect(sched.runningRows == 8 && sched.runningCount == 5)
        sched.finish([RequestID(1)])
        #expect(sched.runningRows(lane: 0) == 0 && sched.runningRows == 4)
    }

    @Test func cancellationAndExpiryTouchOnlyTheCallingLanesRows() throws {
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 1, maxWait: .zero), lanes: 2)
        try sched.add(request(1, deadline: 10))
        try sched.add(request(2, deadline: 10))
        _ = sched.schedule(now: at(0), lane: 0)
        _ = sched.schedule(now: at(0), lane: 1)
        #expect(sched.cancel(RequestID(2)) == .stopsAtNextStep)
        let lane0 = sched.schedule(now: at(20), lane: 0)
        #expect(ids(lane0.expired) == [1], "lane 0 sees its own expired row only")
        #expect(lane0.cancelled.isEmpty, "lane 1's cancelled row is left to lane 1, whose thread may be running it")
        let lane1 = sched.schedule(now: at(20), lane: 1)
        #expect(ids(lane1.cancelled) == [2])
        #expect(sched.isIdle)
    }

    @Test func aLaneIsIdleForDrainOnlyWhenTheQueueIsEmptyToo() throws {
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 1, maxWait: .zero), lanes: 2)
        try sched.add(request(1))
        try sched.add(request(2))
        _ = sched.schedule(now: at(0), lane: 0)
        #expect(!sched.isIdle(lane: 1), "request 2 still waits; lane 1 must not stop")
        _ = sched.schedule(now: at(0), lane: 1)
        sched.finish([RequestID(2)])
        #expect(sched.isIdle(lane: 1) && !sched.isIdle(lane: 0) && !sched.isIdle)
    }

    @Test func oneLaneKeepsTheSingleThreadPolicy() throws {
        var sched = Scheduler(policy: BatchPolicy(maxBatchRows: 16, maxWait: .zero))
        for i in 1...5 { try sched.add(request(UInt64(i))) }
        #expect(sched.fairShare(lane: 0) == 16)
        #expect(ids(sched.schedule(now: at(0)).admitted) == [1, 2, 3, 4, 5])
    }
}
