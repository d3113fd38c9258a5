// Two model threads (`EngineConfiguration.workers = 2`) over one resident model and one shared queue: every
// request's result equals its solo result whichever worker ran it, and deadlines, cancellation and the drain at
// shutdown hold for every worker.
import Engine
import Foundation
import ServerAPI
import Testing

@Suite struct WorkerTests {
    /// The mixed workload of MixedBatchTests (every task kind; greedy, beam, classification) queued at once on two
    /// workers of 4 rows each: each result equals the one-worker, one-row run of the same request.
    @Test(arguments: [false, true])
    func twoWorkersGiveEveryRequestItsSoloResult(demo: Bool) async throws {
        let solo = try makeEngine(rows: 1, demo: demo)
        let gate = IterationGate()
        let workers = try makeEngine(rows: 4, maxWait: .zero, demo: demo, gate: gate, workers: 2)
        let probes = await workload(for: workers, perTask: 6, seed: 23)
        var reference: [Outcome] = []
        for probe in probes { reference.append(await run(probe, on: solo)) }
        let results = try await runQueuedTogether(probes, on: workers, gate: gate)
        let failures = recordMismatches(results, solo: reference, probes: probes)
        #expect(failures == 0, "\(failures) of \(probes.count) results on two workers differ from solo")
        let stats = workers.statistics
        #expect(stats.completed == probes.count)
        // Which worker ran what depends on thread timing; WorkersLiveTests holds one worker inside the model to show
        // the other one taking the next request, and SchedulerLaneTests checks the shares exactly.
        #expect(stats.admittedPerWorker.count == 2 && stats.admittedPerWorker.reduce(0, +) == probes.count)
        #expect(await workers.readiness().workers == 2)
        #expect(stats.peakRows <= 8, "4 rows per worker: \(stats)")
        await solo.shutdown()
        await workers.shutdown()
    }

    /// Shutdown drains queued work on both workers, then refuses new requests; it returns once every model thread
    /// has stopped.
    @Test func shutdownDrainsEveryWorker() async throws {
        let gate = IterationGate()
        let engine = try makeEngine(rows: 2, maxWait: .zero, gate: gate, workers: 2)
        try await gate.waitUntilBlocked()
        let jobs = (0..<6).map { GenerateJob(task: "peft-mpt", input: TaskInput(text: "q\($0)"), maxNewTokens: 3) }
        let pending = jobs.map { job in Task { try await engine.generate(job) } }
        try await waitUntil("every request queued") { engine.queueDepth == jobs.count }
        await engine.shutdown()
        #expect(engine.queueDepth == 0 && engine.runningCount == 0)
        #expect(await engine.readiness().isReady == false)
        let solo = try makeEngine(rows: 1)
        for (job, task) in zip(jobs, pending) {
            #expect(try await within(task).ids == (try await solo.generate(job)).ids, "drained \(job.input)")
        }
        await #expect(throws: EngineError.shuttingDown) { try await engine.generate(jobs[0]) }
        #expect(engine.statistics.admittedPerWorker.reduce(0, +) == jobs.count, "\(engine.statistics)")
        await solo.shutdown()
    }

    /// A running request cancelled on one worker leaves its row while the other worker keeps decoding.
    @Test func cancellingARunningRequestOnOneWorker() async throws {
        let engine = try makeEngine(rows: 1, maxWait: .zero, workers: 2)
        let input = TaskInput(text: "abcdef")
        let job = GenerateJob(task: "peft-pt", input: input, maxNewTokens: 256)
        let long = Task { try await engine.generate(job) }
        let other = Task { try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 3)) }
        #expect(try await within(other).ids.count <= 3)
        long.cancel()
        do {
            let result = try await within(long)
            // It may have finished (end of sequence or its 256 tokens) before the cancellation arrived.
            #expect(result.ids == (try await makeEngine(rows: 1).generate(job)).ids)
        } catch let error as EngineError {
            #expect(error == .cancelled)
        }
        try await waitUntil("the row freed") { engine.runningCount == 0 }
        await engine.shutdown()
    }

    /// Deadlines hold for queued requests on a two-worker engine (the manual clock passes them while queued).
    @Test func queuedRequestsPastTheirDeadlineFail() async throws {
        let gate = IterationGate()
        let clock = ManualClock()
        let engine = try makeEngine(rows: 2, maxWait: .zero, gate: gate, clock: clock, workers: 2)
        try await gate.waitUntilBlocked()
        let late = Task {
            try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "a"), maxNewTokens: 2,
                                                  timeout: .milliseconds(50)))
        }
        try await waitUntil("queued") { engine.queueDepth == 1 }
        clock.advance(by: .milliseconds(100))
        gate.openFully()
        await #expect(throws: EngineError.deadlineExceeded(timeoutMilliseconds: 50)) { try await within(late) }
        let onTime = try await engine.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: "a"), maxNewTokens: 2))
        #expect(onTime.ids.count == 2 || onTime.finishReason == .eos)
        await engine.shutdown()
    }
}
