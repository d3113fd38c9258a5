// Mixed-task correctness under concurrency: many concurrent requests of every fixture task (static, PEFT, T5X,
// SPE) and of different lengths and kinds (greedy, beam, rank classification) run in shared batches; each response
// must equal the same request run alone (same ids, log-probabilities within 1e-5, same SPE attention weights).
import Engine
import ServerAPI
import Foundation
import Testing

/// One request of the workload.
enum Probe: Sendable {
    case generate(GenerateJob)
    case classify(ClassifyJob)
}

/// What a request returned, reduced to what must match.
enum Outcome: Sendable {
    case generated(GenerateResult)
    case classified(ClassifyResult)
    case failed(EngineError)
}

func run(_ probe: Probe, on engine: some InferenceService) async -> Outcome {
    do {
        switch probe {
        case .generate(let job): return .generated(try await engine.generate(job))
        case .classify(let job): return .classified(try await engine.classify(job))
        }
    } catch let error as EngineError {
        return .failed(error)
    } catch {
        return .failed(.internalFailure("\(error)"))
    }
}

/// Runs every probe at once on an engine held by `gate` (so all of them are queued before the first iteration), then
/// opens the gate; the outcomes come back in the probes' order.
func runQueuedTogether<B: ModelBackend>(_ probes: [Probe], on engine: Engine<B>, gate: IterationGate) async throws -> [Outcome] {
    try await gate.waitUntilBlocked()
    return try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
        for (index, probe) in probes.enumerated() { group.addTask { (index, await run(probe, on: engine)) } }
        try await waitUntil("every request queued") { engine.queueDepth == probes.count }
        gate.openFully()
        var results = [Outcome?](repeating: nil, count: probes.count)
        for try await (index, outcome) in group { results[index] = outcome }
        return results.map { $0! }
    }
}

/// Compares every outcome with its solo reference, records the first 5 differences (and any failed reference) as
/// issues, and returns how many differ.
func recordMismatches(_ results: [Outcome], solo reference: [Outcome], probes: [Probe]) -> Int {
    var failures = 0
    for (index, (got, want)) in zip(results, reference).enumerated() {
        if case .failed(let error) = want { Issue.record("solo request \(index) failed: \(error)") }
        if let message = mismatch(got, want) {
            failures += 1
            if failures <= 5 { Issue.record("request \(index) (\(probes[index])): \(message)") }
        }
    }
    return failures
}

/// Checks `got` against the solo reference `want`; returns a failure message or nil.
func mismatch(_ got: Outcome, _ want: Outcome, tolerance: Double = 1e-5) -> String? {
    switch (got, want) {
    case (.generated(let g), .generated(let w)):
        if g.ids != w.ids { return "ids \(g.ids) != solo \(w.ids)" }
        if g.finishReason != w.finishReason || g.taskVersion != w.taskVersion || g.inputTokens != w.inputTokens {
            return "metadata \(g) != solo \(w)"
        }
        switch (g.attention, w.attention) {
        case (nil, nil): return nil
        case (let a?, let b?):
            guard a.map(\.source) == b.map(\.source) else { return "attention sources differ" }
            for (i, (x, y)) in zip(a, b).enumerated() where !close(x.weight, y.weight, tolerance: tolerance) {
                return "attention[\(i)] \(x.weight) vs solo \(y.weight) (tolerance \(tolerance))"
            }
            return nil
        default: return "attention present in only one result"
        }
    case (.classified(let g), .classified(let w)):
        if g.label != w.label || g.taskVersion != w.taskVersion { return "label \(g.label) != solo \(w.label)" }
        for (i, (x, y)) in zip(g.scores, w.scores).enumerated() {
            if x.candidate != y.candidate || !close(x.logProb, y.logProb, tolerance: tolerance) {
                return "score[\(i)] \(x.candidate)=\(x.logProb) vs solo \(y.candidate)=\(y.logProb) (tolerance \(tolerance))"
            }
        }
        return nil
    case (.failed(let g), _): return "failed: \(g)"
    default: return "result kind differs from solo"
    }
}

/// A workload over every loaded task: inputs of different lengths, greedy, beam and classification requests.
func workload(for engine: Engine<T5Backend>, perTask: Int, seed: UInt64) async -> [Probe] {
    var rng = SplitMix(state: seed)
    var probes: [Probe] = []
    for task in await engine.tasks() {
        let isSPE = task.method == "spe"
        for i in 0..<perTask {
            let input: TaskInput
            if task.fields == ["input"] {
                input = TaskInput(text: word(&rng, maxLength: isSPE ? 6 : 12))
            } else {
                input = TaskInput(fields: Dictionary(uniqueKeysWithValues: task.fields.map { ($0, word(&rng, maxLength: 3)) }))
            }
            switch i % 4 {
            case 0, 3:
                probes.append(.generate(GenerateJob(task: task.name, input: input, maxNewTokens: 1 + Int(rng.next() % 7),
                                                    returnAttention: isSPE)))
            case 1:
                probes.append(.classify(ClassifyJob(task: task.name, input: input,
                                                    candidates: task.labels == nil ? ["a", "bc", "def"] : nil)))
            default:
                probes.append(.generate(GenerateJob(task: task.name, input: input, maxNewTokens: 4, numBeams: 2)))
            }
        }
    }
    return probes
}

@Suite struct MixedBatchTests {
    /// `demo: false`: the fixture tasks (static, PEFT PT and MPT, T5X, SPE in both attention modes) on the tiny
    /// fixture T5; `demo: true`: the bundled demo model with its real tokenizer and demo tasks. Every request is
    /// queued before the model thread runs (gate held), so batches of 8 rows mixing tasks are certain, not timed.
    @Test(arguments: [false, true])
    func concurrentMixedTaskRequestsEqualTheirSoloResults(demo: Bool) async throws {
        let solo = try makeEngine(rows: 1, demo: demo)
        let gate = IterationGate()
        let batched = try makeEngine(rows: 8, maxWait: .zero, demo: demo, gate: gate)
        let probes = await workload(for: batched, perTask: 8, seed: 11)
        let taskCount = Set(await batched.tasks().map(\.name)).count
        #expect(taskCount >= (demo ? 3 : 5), "expected every kind of task to be loaded")

        var reference: [Outcome] = []
        for probe in probes { reference.append(await run(probe, on: solo)) }

        let results = try await runQueuedTogether(probes, on: batched, gate: gate)
        let failures = recordMismatches(results, solo: reference, probes: probes)
        #expect(failures == 0, "\(failures) of \(probes.count) batched results differ from solo")
        let stats = batched.statistics
        #expect(stats.peakRows == 8, "the first iteration fills every row: \(stats)")
        #expect(stats.peakTasksPerEncoderPass > 1, "no encoder pass mixed tasks: \(stats)")
        #expect(stats.completed == probes.count)
        #expect(solo.statistics.peakRows == 2, "one request at a time: a sequence, or a 2-beam search alone")
        await solo.shutdown()
        await batched.shutdown()
    }

    /// Sequences that finish early leave the batch while others continue; new requests join running decodes, and
    /// each result equals its solo run.
    @Test func newRequestsJoinRunningDecodes() async throws {
        let gate = IterationGate()
        let engine = try makeEngine(rows: 4, maxWait: .zero, gate: gate)
        try await gate.waitUntilBlocked()
        let longJob = GenerateJob(task: "peft-pt", input: TaskInput(text: "xyz"), maxNewTokens: 6)
        let shortJob = GenerateJob(task: "peft-mpt", input: TaskInput(text: "ab"), maxNewTokens: 1)
        let long = Task { try await engine.generate(longJob) }
        try await waitUntil("the long request queued") { engine.queueDepth == 1 }
        try await gate.step()  // long: encoder pass + token 1
        #expect(engine.runningCount == 1)
        let short = Task { try await engine.generate(shortJob) }
        try await waitUntil("the short request queued") { engine.queueDepth == 1 }
        try await gate.step()  // short joins: its encoder pass + its only token, next to long's token 2
        let shortResult = try await within(short)
        #expect(engine.statistics.joinedWhileDecoding == 1, "\(engine.statistics)")
        #expect(engine.runningCount == 1, "the short request left the batch; the long one still runs")
        gate.openFully()
        let longResult = try await within(long)
        let solo = try makeEngine(rows: 1)
        #expect(shortResult.ids == (try await solo.generate(shortJob)).ids)
        #expect(longResult.ids == (try await solo.generate(longJob)).ids)
        #expect(longResult.ids.count == 6 && longResult.finishReason == .length,
                "the long request must run all its steps for the join to be observed: \(longResult.ids)")
        await engine.shutdown()
        await solo.shutdown()
    }
}
