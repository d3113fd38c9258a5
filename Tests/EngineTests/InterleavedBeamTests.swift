// Beam searches share the engine's decode steps: their K rows step one token per iteration next to greedy rows and
// other searches, each result equals the same request run alone, greedy requests finish while a search is still
// running, a search holds K of the batch's rows, and a cancelled search frees its rows at the next iteration.
import Engine
import Foundation
import Testing

@Suite struct InterleavedBeamTests {
    /// Searches of several widths and lengths over every fixture task, queued with greedy requests so that batches
    /// mix them; every result equals its solo run (an engine of one row, where a search runs alone).
    @Test func beamsInMixedBatchesEqualTheirSoloResults() async throws {
        let solo = try makeEngine(rows: 1)
        let gate = IterationGate()
        let batched = try makeEngine(rows: 12, maxWait: .zero, gate: gate)
        var rng = SplitMix(state: 5)
        var probes: [Probe] = []
        for (index, task) in await batched.tasks().enumerated() where task.fields == ["input"] {
            for beams in [2, 3, 4] {
                let input = TaskInput(text: word(&rng, maxLength: task.method == "spe" ? 6 : 12))
                probes.append(.generate(GenerateJob(task: task.name, input: input, maxNewTokens: 3 + (index + beams) % 9,
                                                    numBeams: beams)))
                probes.append(.generate(GenerateJob(task: task.name, input: input, maxNewTokens: 1 + beams)))
            }
        }
        #expect(probes.count >= 18)
        var reference: [Outcome] = []
        for probe in probes { reference.append(await run(probe, on: solo)) }
        let results = try await runQueuedTogether(probes, on: batched, gate: gate)
        for (index, (got, want)) in zip(results, reference).enumerated() {
            if case .failed(let error) = want { Issue.record("solo request \(index) failed: \(error)") }
            if let message = mismatch(got, want) { Issue.record("request \(index) (\(probes[index])): \(message)") }
        }
        let stats = batched.statistics
        #expect(stats.peakRows >= 11 && stats.peakRows <= 12, "beam rows fill the batch, within its limit: \(stats)")
        #expect(stats.joinedWhileDecoding > 0, "requests joined running searches: \(stats)")
        #expect(stats.completed == probes.count)
        await solo.shutdown()
        await batched.shutdown()
    }

    /// A 4-beam search and a 2-token greedy request start in the same iteration; the greedy one is answered after
    /// two iterations while the search keeps decoding (it used to run to its end inside the first iteration).
    @Test func greedyRequestsFinishWhileASearchRuns() async throws {
        let gate = IterationGate()
        let engine = try makeEngine(rows: 8, maxWait: .zero, gate: gate)
        try await gate.waitUntilBlocked()
        let beamJob = GenerateJob(task: "peft-pt", input: TaskInput(text: "xyz"), maxNewTokens: 12, numBeams: 4)
        let greedyJob = GenerateJob(task: "peft-mpt", input: TaskInput(text: "ab"), maxNewTokens: 2)
        let beam = Task { try await engine.generate(beamJob) }
        let greedy = Task { try await engine.generate(greedyJob) }
        try await waitUntil("both requests queued") { engine.queueDepth == 2 }
        try await gate.step()  // both encoder passes, the search's first step and the greedy first token
        #expect(engine.runningCount == 2)
        try await gate.step()
        let greedyResult = try await within(greedy)
        #expect(engine.runningCount == 1, "the search is still running after the greedy request left")
        #expect(engine.statistics.peakRows == 5, "4 beam rows + 1 greedy row: \(engine.statistics)")
        gate.openFully()
        let beamResult = try await within(beam)
        #expect(beamResult.ids.count > 2, "the search outlasted the greedy request: \(beamResult.ids)")
        #expect(engine.statistics.iterations >= beamResult.ids.count, "one search step per iteration: \(engine.statistics)")
        let solo = try makeEngine(rows: 1)
        #expect(beamResult.ids == (try await solo.generate(beamJob)).ids)
        #expect(greedyResult.ids == (try await solo.generate(greedyJob)).ids)
        await engine.shutdown()
        await solo.shutdown()
    }

    /// A search wider than the free rows waits; a cancelled search frees its K rows at the next iteration and the
    /// waiting request takes them.
    @Test func cancellingARunningSearchFreesItsRows() async throws {
        let gate = IterationGate()
        let engine = try makeEngine(rows: 4, maxWait: .zero, gate: gate)
        try await gate.waitUntilBlocked()
        let input = TaskInput(text: "abcdef")
        let search = Task {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 200, numBeams: 3))
        }
        try await waitUntil("the search queued") { engine.queueDepth == 1 }
        try await gate.step()
        let next = Task {
            try await engine.generate(GenerateJob(task: "peft-pt", input: input, maxNewTokens: 2, numBeams: 2))
        }
        try await waitUntil("the next search queued") { engine.queueDepth == 1 }
        try await gate.step()
        #expect(engine.runningCount == 1 && engine.queueDepth == 1, "3 + 2 rows do not fit 4")
        search.cancel()
        try await gate.step()  // the cancelled search's rows are freed; the waiting one takes them
        await #expect(throws: EngineError.cancelled) { try await within(search) }
        #expect(engine.queueDepth == 0 && engine.statistics.encoderPasses == 2, "\(engine.statistics)")
        gate.openFully()
        #expect(try await within(next).ids.count == 2)
        #expect(engine.runningCount == 0)
        await engine.shutdown()
    }
}
