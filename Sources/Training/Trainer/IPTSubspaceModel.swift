// Multi-task subspace finding (IPT, spec §8 "MSF", AE_type = 1): the frozen prompts P_t of several source tasks go
// through the trainable auto-encoder, P̂_t = Proj_b(Proj(P_t)), and each example of task t is conditioned on P̂_t.
// Loss = L_LM + α · (1/B) Σ_examples mean((P̂_t − P_t)²); L_LM is the trainer's mean token cross-entropy without
// label smoothing (IPT's code smooths with ε = 0.1; Album's prompt trainers do not, so the two objectives compare).
// Mini-batches mix the sources; the backward runs once per source present in the batch.
import Foundation
import Kernels
import Prompts

public final class IPTSubspaceModel: TrainablePrompt {
    public let autoencoder: IPTAutoencoder
    /// The frozen source prompts, (n, d) each, in task-index order (`EncodedExample.task`).
    public let sources: [Tensor]
    /// α, the weight of the reconstruction loss.
    public let alpha: Double
    public let parameters: [Parameter]
    private let gradients: IPTAutoencoderGradients
    /// Per source in the last training batch: its rows and the forward's z, h, P̂.
    private var groups: [(task: Int, rows: [Int], z: Tensor, hidden: Tensor, prompt: Tensor)] = []
    private var batchSize = 0
    public private(set) var auxiliaryLoss: Double = 0

    /// - Parameters:
    ///   - sources: the frozen source prompts, all (n, d).
    ///   - hidden: H, the width of Proj_b's hidden layer.
    ///   - seed: torch nn.Linear's default init, U(−1/√in, 1/√in) for weights and biases, from this seed.
    public init(sources: [Tensor], intrinsicDim: Int, hidden: Int, alpha: Double, seed: UInt64) {
        precondition(!sources.isEmpty && sources.allSatisfy { $0.shape == sources[0].shape && $0.rank == 2 },
                     "sources must be non-empty and all (n, d)")
        let (n, d) = (sources[0].shape[0], sources[0].shape[1])
        var rng = SplitMix64(seed: seed ^ 0x1A7_AE00)
        func uniform(_ shape: [Int], fanIn: Int) -> Tensor {
            let bound = 1 / Float(fanIn).squareRoot()
            let t = Tensor(uninitialized: shape)
            for i in 0..<t.count { t.data[i] = bound * (2 * Float(Double(rng.next() >> 11) / 9_007_199_254_740_992) - 1) }
            return t
        }
        let flat = n * d
        let autoencoder = IPTAutoencoder(
            projWeight: uniform([intrinsicDim, flat], fanIn: flat), projBias: uniform([intrinsicDim], fanIn: flat),
            hiddenWeight: uniform([hidden, intrinsicDim], fanIn: intrinsicDim), hiddenBias: uniform([hidden], fanIn: intrinsicDim),
            outWeight: uniform([flat, hidden], fanIn: hidden), outBias: uniform([flat], fanIn: hidden),
            promptLength: n, dModel: d)
        let parameters = autoencoder.namedTensors.map { Parameter(name: $0.0, value: $0.1) }
        self.autoencoder = autoencoder
        self.sources = sources.map { $0.clone() }
        self.alpha = alpha
        self.parameters = parameters
        gradients = IPTAutoencoderGradients(
            projWeight: parameters[0].grad, projBias: parameters[1].grad, hiddenWeight: parameters[2].grad,
            hiddenBias: parameters[3].grad, outWeight: parameters[4].grad, outBias: parameters[5].grad)
    }

    public var promptLength: Int { autoencoder.promptLength }

    /// α · mean((Proj_b(Proj(P_t)) − P_t)²) for source `task`, evaluated now.
    public func reconstructionLoss(task: Int) -> Double {
        let source = sources[task]
        let z = autoencoder.project(source.data)
        let prompt = autoencoder.reconstruct(z.data).prompt
        return alpha * Self.meanSquaredError(prompt, source)
    }

    static func meanSquaredError(_ a: Tensor, _ b: Tensor) -> Double {
        var sum = 0.0
        for i in 0..<a.count { let e = Double(a.data[i] - b.data[i]); sum += e * e }
        return sum / Double(a.count)
    }

    public func prompts(for examples: [EncodedExample], training: Bool) throws -> [Tensor] {
        var out = [Tensor?](repeating: nil, count: examples.count)
        var byTask: [Int: [Int]] = [:]
        for (row, example) in examples.enumerated() { byTask[example.task, default: []].append(row) }
        groups = []
        var reconstruction = 0.0
        for (task, rows) in byTask.sorted(by: { $0.key < $1.key }) {
            guard sources.indices.contains(task) else { throw TrainingError.setup("an example names a source task that does not exist") }
            let z = autoencoder.project(sources[task].data)
            let (prompt, hidden) = autoencoder.reconstruct(z.data)
            for row in rows { out[row] = prompt }
            reconstruction += Double(rows.count) * Self.meanSquaredError(prompt, sources[task])
            if training { groups.append((task, rows, z, hidden, prompt)) }
        }
        batchSize = examples.count
        auxiliaryLoss = examples.isEmpty ? 0 : alpha * reconstruction / Double(examples.count)
        return out.compactMap { $0 }
    }

    public func backward(_ promptGradients: [Tensor?]) {
        let flat = autoencoder.flatCount
        // d/dP̂ of α·(1/B)·Σ_rows mean((P̂ − P)²) = α·2(P̂ − P)/(n·d·B) per row.
        let scale = Float(2 * alpha / Double(flat * max(batchSize, 1)))
        for group in groups {
            let g = Tensor(zeros: [flat])
            for row in group.rows {
                if let gradient = promptGradients[row] { for i in 0..<flat { g.data[i] += gradient.data[i] } }
            }
            let source = sources[group.task]
            let weight = scale * Float(group.rows.count)
            for i in 0..<flat { g.data[i] += weight * (group.prompt.data[i] - source.data[i]) }
            let dz = autoencoder.backwardReconstruct(z: group.z.data, hidden: group.hidden, promptGradient: g.data, into: gradients)
            autoencoder.backwardProject(prompt: source.data, codeGradient: dz, into: gradients)
        }
        groups = []
    }
}
