// A served IPT task equals the static task holding its prompt Proj_b(z): the same greedy ids and rank-classification
// log-probabilities (within 1e-5), with both tasks' requests and other tasks' requests sharing batches.
import Engine
import Foundation
import Kernels
import Prompts
import Testing

/// Subspace "sub-a" (n = 3, d = 16, d_I = 4, H = 6, deterministic weights), IPT task "ipt-a" in it, and
/// "ipt-static" holding Proj_b(z), all with the fixture NLI template and labels.
func iptServingFiles() throws -> [(name: String, files: [String: [UInt8]])] {
    let (n, d, di, h) = (3, 16, 4, 6)
    func tensor(_ shape: [Int], _ scale: Float, _ phase: Float) -> Tensor {
        let t = Tensor(uninitialized: shape)
        for i in 0..<t.count { t.data[i] = scale * sin(Float(i) * 0.7 + phase) }
        return t
    }
    let ae = IPTAutoencoder(projWeight: tensor([di, n * d], 0.3, 0), projBias: tensor([di], 0.1, 1),
                            hiddenWeight: tensor([h, di], 0.6, 2), hiddenBias: tensor([h], 0.1, 3),
                            outWeight: tensor([n * d, h], 0.8, 4), outBias: tensor([n * d], 0.2, 5), promptLength: n, dModel: d)
    let z = tensor([di], 0.9, 6)
    var manifest = TaskManifest(kind: .staticPrompt)
    manifest.template = "premise: {premise} hypothesis: {hypothesis}"
    manifest.labels = ["entailment", "not_entailment"]
    manifest.baseModel = BaseModelRef(dModel: d)
    var subManifest = TaskManifest(kind: .iptSubspace)
    subManifest.name = "sub-a"
    let bytes = { (files: [String: Data]) in files.mapValues { Array($0) } }
    return [
        ("sub-a", bytes(try IPTArtifactFiles.subspace(ae, manifest: subManifest, sources: ["nli"]))),
        ("ipt-a", bytes(try IPTArtifactFiles.task(z: z, subspace: "sub-a", hash: ae.contentHash, manifest: manifest))),
        ("ipt-static", bytes(try IPTArtifactFiles.staticTask(prompt: ae.prompt(for: z), manifest: manifest))),
    ]
}

@Suite struct IPTServingTests {
    @Test func iptTaskServesLikeTheStaticTaskHoldingItsPrompt() async throws {
        let gate = IterationGate()
        let engine = try makeEngine(rows: 32, maxWait: .zero, gate: gate)
        for (name, files) in try iptServingFiles() { _ = try await engine.installTask(named: name, files: files) }
        let tasks = await engine.tasks()
        #expect(tasks.first { $0.name == "ipt-a" }?.method == "ipt")
        #expect(tasks.first { $0.name == "ipt-a" }?.promptTokens == 3)
        let shared = await engine.albums().first { $0.name == "sub-a" }
        #expect(shared?.kind == "ipt-subspace" && shared?.usedBy == ["ipt-a"] && shared?.entries.map(\.sourceTask) == ["nli"])

        // Pairs of identical requests to ipt-a and ipt-static, interleaved with static-a and spe-a requests.
        var probes: [Probe] = []
        let inputs = [("a cat", "an animal"), ("xyz", "q"), ("the sun is hot", "it is cold"), ("b", "bb b")]
        for (premise, hypothesis) in inputs {
            let input = TaskInput(fields: ["premise": premise, "hypothesis": hypothesis])
            for task in ["ipt-a", "ipt-static"] {
                probes.append(.classify(ClassifyJob(task: task, input: input)))
                probes.append(.generate(GenerateJob(task: task, input: input, maxNewTokens: 5)))
                probes.append(.generate(GenerateJob(task: task, input: input, maxNewTokens: 3, numBeams: 2)))
            }
            // Short inputs: the fixture tasks allow 32 (static-a) and 10 (spe-a) input tokens.
            probes.append(.classify(ClassifyJob(task: "static-a", input: TaskInput(fields: ["premise": String(premise.prefix(2)), "hypothesis": "b"]))))
            probes.append(.generate(GenerateJob(task: "spe-a", input: TaskInput(text: String(premise.prefix(4))), maxNewTokens: 3)))
        }
        let results = try await runQueuedTogether(probes, on: engine, gate: gate)
        let perInput = 8
        var compared = 0
        for block in 0..<inputs.count {
            for k in 0..<3 {
                let ipt = results[block * perInput + k], reference = results[block * perInput + 3 + k]
                if case .failed(let error) = reference { Issue.record("static request failed: \(error)") }
                if let message = mismatch(ipt, reference) { Issue.record("input \(block) request \(k): \(message)") }
                compared += 1
            }
        }
        #expect(compared == 12)
        for case .failed(let error) in results { Issue.record("a request failed: \(error)") }
        #expect(engine.statistics.peakTasksPerEncoderPass > 1, "no encoder pass mixed tasks: \(engine.statistics)")
        await engine.shutdown()
    }
}
