// Ensemble tasks in the engine: K member prompts of one task run as K encoder rows of the same forward batch and
// their label scores combine as the task says. Identical members answer exactly as the single prompt does; distinct
// members answer what `EnsembleCombiner` makes of the members served one by one; a request inside a mixed batch
// answers as alone; generation is refused with `unsupportedForTaskKind`.
import Engine
import Foundation
import Kernels
import Prompts
import ServerAPI
import TestSupport
import Testing

/// Installs ensembles and single-prompt tasks made from static-a's template and labels on an engine.
struct EnsembleInstaller {
    let engine: Engine<T5Backend>

    /// static-a's prompt (3, 16).
    var basePrompt: Tensor {
        get throws {
            guard case .fixed(let prompt) = try #require(engine.registry.snapshot().task(named: "static-a")).prompt else {
                throw WaitTimedOut(what: "a static prompt")
            }
            return prompt
        }
    }

    /// `.npy` bytes of `values` as a (rows, columns) float32 array.
    static func npy(_ values: [Float], rows: Int, columns: Int) -> [UInt8] {
        HostileArtifacts.npy(dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }",
                             data: values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } })
    }

    /// static-a's manifest with `change` applied.
    static func manifest(_ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
        let data = try Data(contentsOf: fixtureTasks.appendingPathComponent("static-a/task.json"))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        change(&object)
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// The files of an ensemble over `members` (each (3, 16) values), combined by `combine`.
    static func ensembleFiles(_ members: [[Float]], combine: String) throws -> [String: [UInt8]] {
        var files = ["task.json": try manifest { object in
            object["kind"] = "ensemble"
            object["ensemble"] = ["combine": combine, "members": members.indices.map { ["file": "m\($0).npy"] }]
        }]
        for (index, values) in members.enumerated() { files["m\(index).npy"] = npy(values, rows: 3, columns: 16) }
        return files
    }

    func installEnsemble(_ name: String, _ members: [[Float]], combine: String) async throws -> TaskInfo {
        try await engine.installTask(named: name, files: Self.ensembleFiles(members, combine: combine))
    }

    /// A static task `name` with prompt `values` (3, 16), static-a's template and labels.
    func installStatic(_ name: String, _ values: [Float]) async throws {
        _ = try await engine.installTask(named: name, files: [
            "task.json": try Self.manifest { object in
                object["promptFormat"] = "t5x"
                object["promptFile"] = "p.npy"
            },
            "p.npy": Self.npy(values, rows: 3, columns: 16)])
    }
}

@Suite struct EnsembleTests {
    static let inputs: [[String: String]] = [
        // static-a allows 32 tokens; the fixture codec makes one token per byte of "premise: … hypothesis: …".
        ["premise": "cat", "hypothesis": "pet"], ["premise": "x", "hypothesis": "yz"],
        ["premise": "sky", "hypothesis": "no"], ["premise": "qq", "hypothesis": "rain"],
    ]

    @Test func identicalMembersGiveTheSinglePromptsResult() async throws {
        let engine = try makeEngine(rows: 8)
        let installer = EnsembleInstaller(engine: engine)
        let prompt = try installer.basePrompt.array
        let info = try await installer.installEnsemble("twin", [prompt, prompt], combine: "vote")
        #expect(info.kind == "ensemble" && info.ensembleMembers == 2 && info.method == "ensemble" && info.promptTokens == 3)
        _ = try await installer.installEnsemble("triplet", [prompt, prompt, prompt], combine: "sum-logprobs")
        for fields in Self.inputs {
            let single = try await engine.classify(ClassifyJob(task: "static-a", input: TaskInput(fields: fields)))
            #expect(single.ensemble == nil)
            for (name, k) in [("twin", 2), ("triplet", 3)] {
                let combined = try await engine.classify(ClassifyJob(task: name, input: TaskInput(fields: fields)))
                #expect(combined.label == single.label, "\(name) \(fields)")
                #expect(combined.scores.map(\.candidate) == single.scores.map(\.candidate))
                for (a, b) in zip(combined.scores, single.scores) {
                    #expect(close(a.logProb, b.logProb, tolerance: 1e-5), "\(name): \(a.logProb) vs \(b.logProb)")
                }
                #expect(combined.ensemble?.memberLabels == Array(repeating: single.label, count: k))
                #expect(combined.ensemble?.combine == (k == 2 ? "vote" : "sum-logprobs"))
            }
        }
        await engine.shutdown()
    }

    /// Three different members: the ensemble answers exactly what the combiner makes of the three prompts served
    /// as separate static tasks, for both rules.
    @Test func distinctMembersCombineTheirSeparateResults() async throws {
        let engine = try makeEngine(rows: 8)
        let installer = EnsembleInstaller(engine: engine)
        let base = try installer.basePrompt.array
        let members = [base, base.map { $0 * 3 }, base.enumerated().map { $1 * -2 + Float($0 % 5) * 0.3 }]
        for (index, values) in members.enumerated() { try await installer.installStatic("member\(index)", values) }
        _ = try await installer.installEnsemble("by-vote", members, combine: "vote")
        _ = try await installer.installEnsemble("by-sum", members, combine: "sum-logprobs")
        for fields in Self.inputs {
            var memberScores: [[Double]] = []
            var labels: [String] = []
            for index in members.indices {
                let alone = try await engine.classify(ClassifyJob(task: "member\(index)", input: TaskInput(fields: fields)))
                memberScores.append(alone.scores.map(\.logProb))
                labels = alone.scores.map(\.candidate)
            }
            for (name, rule) in [("by-vote", EnsembleCombine.vote), ("by-sum", .sumLogprobs)] {
                let expected = EnsembleCombiner.combine(memberScores, rule)
                let got = try await engine.classify(ClassifyJob(task: name, input: TaskInput(fields: fields)))
                #expect(got.label == labels[expected.best], "\(name) \(fields): \(got.label) vs \(labels[expected.best])")
                #expect(got.ensemble?.memberLabels == expected.votes.map { labels[$0] })
                for (a, b) in zip(got.scores.map(\.logProb), expected.scores) {
                    #expect(close(a, b, tolerance: 1e-5), "\(name): \(a) vs \(b)")
                }
            }
        }
        await engine.shutdown()
    }

    /// Ensemble requests queued with static, SPE, PEFT and generation requests run in shared batches (the gate holds
    /// the model thread until all are queued) and each answers as it does alone.
    @Test func ensembleInsideAMixedBatchEqualsAlone() async throws {
        let solo = try makeEngine(rows: 1)
        let gate = IterationGate()
        let batched = try makeEngine(rows: 8, maxWait: .zero, gate: gate)
        let base = try EnsembleInstaller(engine: solo).basePrompt.array
        let members = [base, base.map { $0 * 3 }, base.map { -$0 }]
        for engine in [solo, batched] {
            _ = try await EnsembleInstaller(engine: engine).installEnsemble("ens", members, combine: "vote")
        }
        var probes: [Probe] = []
        for (index, fields) in Self.inputs.enumerated() {
            probes.append(.classify(ClassifyJob(task: "ens", input: TaskInput(fields: fields))))
            probes.append(index % 2 == 0
                ? .classify(ClassifyJob(task: "static-a", input: TaskInput(fields: fields)))
                : .classify(ClassifyJob(task: "spe-a", input: TaskInput(text: fields["premise"]), candidates: ["a", "bc"])))
            probes.append(.generate(GenerateJob(task: "peft-pt", input: TaskInput(text: fields["premise"]), maxNewTokens: 3)))
        }
        var reference: [Outcome] = []
        for probe in probes { reference.append(await run(probe, on: solo)) }
        let results = try await runQueuedTogether(probes, on: batched, gate: gate)
        for (index, (got, want)) in zip(results, reference).enumerated() {
            #expect(mismatch(got, want) == nil, "request \(index): \(mismatch(got, want) ?? "")")
            if case .classified(let g) = got, case .classified(let w) = want { #expect(g.ensemble == w.ensemble) }
        }
        if case .classified(let first) = reference[0] { #expect(first.ensemble?.memberLabels.count == 3) }
        #expect(batched.statistics.peakTasksPerEncoderPass > 1, "no encoder pass mixed tasks: \(batched.statistics)")
        #expect(batched.statistics.peakRows == 8)
        await solo.shutdown()
        await batched.shutdown()
    }

    @Test func generationOnAnEnsembleIsRefused() async throws {
        let engine = try makeEngine(rows: 4)
        let installer = EnsembleInstaller(engine: engine)
        let prompt = try installer.basePrompt.array
        _ = try await installer.installEnsemble("ens", [prompt, prompt], combine: "vote")
        let job = GenerateJob(task: "ens", input: TaskInput(fields: Self.inputs[0]))
        let expected = EngineError.unsupportedForTaskKind(task: "ens", kind: "ensemble",
                                                          operation: "generation (ensembles serve /v1/classify)")
        await #expect(throws: expected) { try await engine.generate(job) }
        await #expect(throws: expected) { _ = try await engine.generateStream(job) }
        await #expect(throws: EngineError.self) {
            try await engine.classify(ClassifyJob(task: "ens", input: TaskInput(fields: Self.inputs[0]), returnAttention: true))
        }
        await engine.shutdown()
    }
}
