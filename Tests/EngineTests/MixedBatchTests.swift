// Mixed-task correctness under concurrency: many concurrent requests of every fixture task (static, PEFT, T5X,
// SPE) and of different lengths and kinds (greedy, beam, rank classification) run in shared batches; each response
// must equal the same request run alone (same ids, log-probabilities within 1e-5, same SPE attention weights).
import Engine
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
    /// fixture T5; `demo: true`: the bundled demo model with its real tokenizer and demo tasks.
    @Test(arguments: [false, true])
    func concurrentMixedTaskRequestsEqualTheirSoloResults(demo: Bool) async throws {
        let solo = try makeEngine(rows: 1, demo: demo)
        let batched = try makeEngine(rows: 8, maxWait: .milliseconds(5), demo: demo)
        let probes = await workload(for: batched, perTask: 8, seed: 11)
        let taskCount = Set(await batched.tasks().map(\.name)).count
        #expect(taskCount >= (demo ? 3 : 5), "expected every kind of task to be loaded")

        var reference: [Outcome] = []
        for probe in probes { reference.append(await run(probe, on: solo)) }

        let results = await withTaskGroup(of: (Int, Outcome).self) { group in
            for (index, probe) in probes.enumerated() { group.addTask { (index, await run(probe, on: batched)) } }
            var results = [Outcome?](repeating: nil, count: probes.count)
            for await (index, outcome) in group { results[index] = outcome }
            return results.map { $0! }
        }
        var failures = 0
        for (index, (got, want)) in zip(results, reference).enumerated() {
            if case .failed(let error) = want { Issue.record("solo request \(index) failed: \(error)") }
            if let message = mismatch(got, want) {
                failures += 1
                if failures <= 5 { Issue.record("request \(index) (\(probes[index])): \(message)") }
            }
        }
        #expect(failures == 0, "\(failures) of \(probes.count) batched results differ from solo")
        let stats = batched.statistics
        #expect(stats.peakRows > 1, "requests were never batched: \(stats)")
        #expect(stats.peakTasksPerEncoderPass > 1, "no encoder pass mixed tasks: \(stats)")
        #expect(stats.completed == probes.count)
        #expect(solo.statistics.peakRows == 1)
        await solo.shutdown()
        await batched.shutdown()
    }

    /// Sequences that finish early leave the batch while others continue; new requests join running decodes.
    @Test func newRequestsJoinRunningDecodes() async throws {
        let engine = try makeEngine(rows: 4, maxWait: .zero)
        let results = await withTaskGroup(of: Outcome.self) { group in
            for i in 0..<24 {
                group.addTask {
                    if i > 0 { try? await Task.sleep(for: .microseconds(200 * i)) }
                    return await run(.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: String(repeating: "x", count: 1 + i % 9)),
                                                           maxNewTokens: 1 + (i * 5) % 12)), on: engine)
                }
            }
            var all: [Outcome] = []
            for await r in group { all.append(r) }
            return all
        }
        for r in results { if case .failed(let e) = r { Issue.record("request failed: \(e)") } }
        #expect(engine.statistics.joinedWhileDecoding > 0, "\(engine.statistics)")
        await engine.shutdown()
    }
}
