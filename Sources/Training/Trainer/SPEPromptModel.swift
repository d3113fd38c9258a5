// SPE target training (spec §7.2): P = P_task + Σ_j a_j A_j with a = softmax(K·LayerNorm(W_up·SiLU(W_down·x̂))/T) over a
// frozen album; P_task and G = {W_down, W_up, γ, β} train. Ablations: `noAttention` (equal weights: G stays 0, so
// h = β = 0 and the served softmax is uniform, exactly), `noTaskPrompt` (P_task = 0, frozen), and the module's
// ATTEMPT mode (P_task as candidate M+1). The forward and backward are SPEModule's (SPEModule+Backward.swift).
import Foundation
import Kernels
import Prompts
import T5

public final class SPEPromptModel: TrainablePrompt {
    public let module: SPEModule
    public let noAttention: Bool
    public let noTaskPrompt: Bool
    private let model: T5Model
    private let gradients: SPEModule.Gradients
    private let albumMean: Tensor  // (l, d) Σ_j A_j / M, the equal-weights prompt part
    private var tape: SPEModule.Tape?

    /// - Parameters:
    ///   - taskPrompt: the P_task init (l, d) (ignored, zeros, with `noTaskPrompt`).
    ///   - bottleneck: r; W_down, W_up ~ N(0, 0.01²) from `seed` (zeros with `noAttention`), γ = 1, β = 0.
    public init(model: T5Model, album: PromptAlbum, taskPrompt: Tensor, bottleneck: Int, temperature: Float,
                includeTaskInAttention: Bool, noAttention: Bool, noTaskPrompt: Bool, seed: UInt64) {
        let d = album.dModel, l = album.promptLength
        var rng = SplitMix64(seed: seed)
        func normal(_ shape: [Int]) -> Tensor {
            let tensor = Tensor(zeros: shape)
            guard !noAttention else { return tensor }
            for i in 0..<tensor.count { tensor.data[i] = Float(0.01 * rng.standardNormal()) }
            return tensor
        }
        let down = normal([bottleneck, d]), up = normal([d, bottleneck])
        let gamma = Tensor(shape: [d], values: Array(repeating: 1, count: d)), beta = Tensor(zeros: [d])
        let prompt = noTaskPrompt ? Tensor(zeros: [l, d]) : taskPrompt.clone()
        module = SPEModule(taskPrompt: prompt, down: down, up: up, gamma: gamma, beta: beta, temperature: temperature,
                           layerNormEpsilon: 1e-5, pooling: .max, includeTaskInAttention: includeTaskInAttention,
                           album: album, padEmbedding: Array(repeating: 0, count: d), maxInputTokens: nil)
        gradients = SPEModule.Gradients(for: module)
        self.model = model
        self.noAttention = noAttention
        self.noTaskPrompt = noTaskPrompt
        let mean = Tensor(zeros: [l, d])
        for j in 0..<album.count {
            for i in 0..<l * d { mean.data[i] += album.prompts.data[j * l * d + i] / Float(album.count) }
        }
        albumMean = mean
    }

    /// A target that shares `other`'s G tensors (multi-target training) with its own P_task and gradients.
    init(sharing other: SPEPromptModel, model: T5Model, taskPrompt: Tensor) {
        let o = other.module
        module = SPEModule(taskPrompt: taskPrompt.clone(), down: o.down, up: o.up, gamma: o.gamma, beta: o.beta,
                           temperature: o.temperature, layerNormEpsilon: o.layerNormEpsilon, pooling: o.pooling,
                           includeTaskInAttention: o.includeTaskInAttention, album: o.album,
                           padEmbedding: Array(repeating: 0, count: o.dModel), maxInputTokens: nil)
        gradients = SPEModule.Gradients(for: module)
        self.model = model
        noAttention = false
        noTaskPrompt = false
        albumMean = other.albumMean
    }

    public var promptLength: Int { module.promptLength }

    public var parameters: [Parameter] {
        module.trainableTensors(gradients).compactMap { name, value, gradient in
            if noTaskPrompt && name == "task_prompt" { return nil }
            if noAttention && name != "task_prompt" { return nil }
            return Parameter(name: name, value: value, grad: gradient)
        }
    }

    public func prompts(for examples: [EncodedExample], training: Bool) throws -> [Tensor] {
        try prompts(for: examples.map(\.input), training: training)
    }

    /// Prompts of a group of inputs (all of this task).
    func prompts(for inputs: [[Int32]], training: Bool) throws -> [Tensor] {
        if noAttention {
            let prompt = module.taskPrompt.clone()
            for i in 0..<prompt.count { prompt.data[i] += albumMean.data[i] }
            return Array(repeating: prompt, count: inputs.count)
        }
        let embeddings = try inputs.map { ids throws in try model.embed(ids) }
        let (prompts, _, tape) = module.trainingPrompts(embeddings)
        if training { self.tape = tape }
        return prompts
    }

    /// The attention weights the module gives each input (uniform with `noAttention`).
    public func attentionWeights(for inputs: [[Int32]]) throws -> [[Float]] {
        let embeddings = try inputs.map { ids throws in try model.embed(ids) }
        return module.trainingPrompts(embeddings).weights
    }

    public func backward(_ promptGradients: [Tensor?]) {
        if noAttention {
            for gradient in promptGradients {
                guard let gradient else { continue }
                for i in 0..<gradient.count { gradients.taskPrompt.data[i] += gradient.data[i] }
            }
            return
        }
        guard let tape else { return }
        let dPrompts = promptGradients.map { $0 ?? Tensor(zeros: [module.promptLength, module.dModel]) }
        module.backward(dPrompts: dPrompts, tape: tape, into: gradients)
        self.tape = nil
    }

    /// The tensors of `spe.safetensors`.
    public var tensors: [(String, Tensor)] {
        [("task_prompt", module.taskPrompt), ("down.weight", module.down), ("up.weight", module.up),
         ("layer_norm.weight", module.gamma), ("layer_norm.bias", module.beta)]
    }
}

extension SplitMix64 {
    /// A standard normal draw (Box-Muller over two uniform doubles in (0, 1]).
    mutating func standardNormal() -> Double {
        let u1 = (Double(next() >> 11) + 1) / 9_007_199_254_740_992, u2 = Double(next() >> 11) / 9_007_199_254_740_992
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
