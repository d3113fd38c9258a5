// The SPE backward (SPEModule+Backward.swift) through the frozen T5, against PyTorch autograd of the spec's module
// (Tests/Fixtures/make_gradient_fixtures.py) for spe-a (album-only softmax) and spe-attempt (P_task as candidate,
// pad row in the max-pool): the gradients of P_task, W_down, W_up, γ, β within 1e-4 of each tensor's norm, and a
// 10-step torch.optim.AdamW loss trace within 1e-4. Plus: the unfolded training forward reproduces the folded
// serving forward, and the backward matches central differences of a Double SPE (maxAbs 1e-5 + rel 1e-4).
import Foundation
import Kernels
import SafeTensors
import T5
import Testing
import TestSupport
import Training
@testable import Prompts

@Suite struct SPEGradientTests {
    struct Golden: Decodable {
        struct Example: Decodable {
            let input: [Int32]
            let labels: [Int32]
        }
        struct Task: Decodable {
            let loss: Double
            let trace: [Double]
        }
        struct AdamWSettings: Decodable {
            let lr: Double
            let weight_decay: Double
            let betas: [Double]
            let eps: Double
        }
        let speBatch: [Example]
        let spe: [String: Task]
        let speTraining: AdamWSettings
        let steps: Int
    }

    static let golden = try! JSONDecoder().decode(
        Golden.self, from: Data(contentsOf: PromptFixtures.root.deletingLastPathComponent()
            .appendingPathComponent("gradients/golden.json")))
    static let tasks = ["spe-a", "spe-attempt"]

    /// A fresh SPE module of `task` (loaded from disk, so training it in place touches no other test) and the model.
    static func load(_ task: String) throws -> (SPEModule, T5Model) {
        let snapshot = try PromptFixtures.loadAll()
        guard case .spe(let module) = try #require(snapshot.task(named: task)).prompt else {
            throw PromptsError.badManifest(path: task, reason: "not an SPE task")
        }
        return (module, try T5Model.load(directory: PromptFixtures.modelDirectory))
    }

    /// Loss of the golden batch with `module`'s instance prompts; adds the module's gradients into `gradients`.
    static func step(_ module: SPEModule, _ model: T5Model, gradients: SPEModule.Gradients) throws -> Double {
        let batch = golden.speBatch
        let inputs = try batch.map { try model.embed($0.input) }
        let (prompts, _, tape) = module.trainingPrompts(inputs)
        let examples = zip(prompts, batch).map { prompt, example in
            TrainingExample(input: EncoderRow(prompt: prompt, tokens: example.input), labels: example.labels)
        }
        let result = try model.lossAndGradients(batch: examples, options: TrainingOptions(dropout: 0))
        module.backward(dPrompts: try result.promptGradients.map { try #require($0) }, tape: tape, into: gradients)
        return result.loss
    }

    @Test(arguments: tasks)
    func gradientsMatchAutograd(task: String) throws {
        let (module, model) = try Self.load(task)
        let gradients = SPEModule.Gradients(for: module)
        let loss = try Self.step(module, model, gradients: gradients)
        let reference = try #require(Self.golden.spe[task])
        #expect(abs(loss - reference.loss) <= 1e-4 * abs(reference.loss), "\(task): loss \(loss) vs torch \(reference.loss)")
        let expected = try SafeTensorsFile(url: PromptFixtures.root.deletingLastPathComponent()
            .appendingPathComponent("gradients/spe_\(task).safetensors"))
        var worst: [String] = []
        for (name, _, gradient) in module.trainableTensors(gradients) {
            let report = RelativeError("\(task) \(name)", got: gradient.array, expected: try expected.floats("grad.\(name)"),
                                       tolerance: 1e-4)
            #expect(report.passed, "\(report)")
            worst.append("\(name) \(report.value)")
        }
        print("\(task) relative gradient error:", worst.joined(separator: ", "))
    }

    @Test(arguments: tasks)
    func trainingTraceMatchesTorchAdamW(task: String) throws {
        let (module, model) = try Self.load(task)
        let gradients = SPEModule.Gradients(for: module)
        let settings = Self.golden.speTraining
        let parameters = module.trainableTensors(gradients).map { Parameter(name: $0.name, value: $0.value, grad: $0.gradient) }
        let optimizer = try AdamW(parameters: parameters, learningRate: settings.lr, weightDecay: settings.weight_decay,
                                  beta1: settings.betas[0], beta2: settings.betas[1], epsilon: settings.eps)
        var trace: [Double] = []
        for _ in 0..<Self.golden.steps {
            optimizer.zeroGrad()
            trace.append(try Self.step(module, model, gradients: gradients))
            optimizer.step()
        }
        let reference = try #require(Self.golden.spe[task]).trace
        for (step, (got, want)) in zip(trace, reference).enumerated() {
            #expect(abs(got - want) <= 1e-4, "\(task) step \(step): loss \(got) vs torch \(want)")
        }
        print("\(task) SPE training trace max |diff|:", zip(trace, reference).map { abs($0 - $1) }.max() ?? 0)
    }

    /// The training path's unfolded LayerNorm and 1/T give the serving path's prompts and weights.
    @Test(arguments: tasks)
    func trainingForwardReproducesServing(task: String) throws {
        let (module, model) = try Self.load(task)
        let inputs = try Self.golden.speBatch.map { try model.embed($0.input) }
        let served = module.instancePrompts(inputs)
        let trained = module.trainingPrompts(inputs)
        for row in inputs.indices {
            let prompts = Closeness("\(task) row \(row) prompt", got: trained.prompts[row].array,
                                    expected: served.prompts[row].array, maxAbs: 1e-5, rel: 1e-5)
            #expect(prompts.passed, "\(prompts)")
            let weights = Closeness("\(task) row \(row) weights", got: trained.weights[row], expected: served.weights[row],
                                    maxAbs: 1e-6, rel: 1e-5)
            #expect(weights.passed, "\(weights)")
        }
    }

    /// f = Σ_b Σ dP_b ⊙ P_b against central differences of a Double SPE written from spec §7.2.
    @Test(arguments: tasks)
    func backwardMatchesFiniteDifferences(task: String) throws {
        let (module, model) = try Self.load(task)
        let inputs = try Self.golden.speBatch.map { try model.embed($0.input) }
        let (l, d) = (module.promptLength, module.dModel)
        var seed: UInt64 = 41
        func uniform() -> Float {
            seed &+= 0x9E37_79B9_7F4A_7C15
            var z = seed
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) * 2 - 1
        }
        let dPrompts = inputs.map { _ in Tensor(shape: [l, d], values: (0..<(l * d)).map { _ in uniform() }) }
        let gradients = SPEModule.Gradients(for: module)
        module.backward(dPrompts: dPrompts, tape: module.trainingPrompts(inputs).tape, into: gradients)

        let names = ["task_prompt", "down.weight", "up.weight", "layer_norm.weight", "layer_norm.bias"]
        let values = Dictionary(uniqueKeysWithValues: module.trainableTensors(gradients).map { ($0.name, $0.value.array.map(Double.init)) })
        for (name, value, gradient) in module.trainableTensors(gradients) {
            let report = GradCheck.check("\(task) d\(name)", analytic: gradient.array, at: value.array, step: 1e-4,
                                         maxAbs: 1e-5, rel: 1e-4) { changed in
                var tensors = values
                tensors[name] = changed
                return zip(inputs, dPrompts).reduce(0.0) { sum, pair in
                    let prompt = Self.doublePrompt(module, tensors, input: pair.0)
                    return sum + zip(prompt, pair.1.array).reduce(0.0) { $0 + $1.0 * Double($1.1) }
                }
            }
            #expect(report.passed, "\(report)")
        }
        #expect(names == module.trainableTensors(gradients).map(\.name))
    }

    /// Spec §7.2 in Double: x̂ = max(X) (with the pad row in ATTEMPT-parity pooling), h = LayerNorm_{γ,β}(W_up ·
    /// SiLU(W_down · x̂)), s_j = max-rows(C_j) · h / T, a = softmax(s), P = P_task + Σ_j a_j C_j.
    static func doublePrompt(_ module: SPEModule, _ t: [String: [Double]], input x: Tensor) -> [Double] {
        let (n, d, l, r) = (x.shape[0], module.dModel, module.promptLength, module.bottleneck)
        let task = t["task_prompt"]!, down = t["down.weight"]!, up = t["up.weight"]!
        let gamma = t["layer_norm.weight"]!, beta = t["layer_norm.bias"]!
        var pooled = [Double](repeating: -.infinity, count: d)
        for i in 0..<n { for j in 0..<d { pooled[j] = max(pooled[j], Double(x.data[i * d + j])) } }
        if module.pooling == .maxWithPad, n < module.maxInputTokens! {
            for j in 0..<d { pooled[j] = max(pooled[j], Double(module.padEmbedding[j])) }
        }
        let hidden = (0..<r).map { i -> Double in
            let z = (0..<d).reduce(0.0) { $0 + down[i * d + $1] * pooled[$1] }
            return z / (1 + exp(-z))
        }
        let u = (0..<d).map { i in (0..<r).reduce(0.0) { $0 + up[i * r + $1] * hidden[$1] } }
        let mean = u.reduce(0, +) / Double(d)
        let variance = u.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d)
        let h = (0..<d).map { (u[$0] - mean) / (variance + Double(module.layerNormEpsilon)).squareRoot() * gamma[$0] + beta[$0] }
        var candidates: [[Double]] = (0..<module.album.count).map { j in
            (0..<(l * d)).map { Double(module.album.prompts.data[j * l * d + $0]) }
        }
        if module.includeTaskInAttention { candidates.append(task) }
        let scores = candidates.map { c in
            (0..<d).reduce(0.0) { sum, j in sum + (0..<l).map { c[$0 * d + j] }.max()! * h[j] } / Double(module.temperature)
        }
        let top = scores.max()!
        let exps = scores.map { exp($0 - top) }
        let total = exps.reduce(0, +)
        var prompt = task
        for (e, c) in zip(exps, candidates) { for i in 0..<(l * d) { prompt[i] += e / total * c[i] } }
        return prompt
    }
}
