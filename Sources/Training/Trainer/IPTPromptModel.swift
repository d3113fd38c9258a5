// Intrinsic subspace tuning (IPT, spec §8 "IST"): the only trainable tensor is z (d_I); the prompt is Proj_b(z) of a
// frozen subspace, shared by every example. Its gradient is the batch's summed prompt gradient sent back through
// Proj_b (IPTAutoencoder.backwardReconstruct with no weight gradients).
import Foundation
import Kernels
import Prompts

public final class IPTPromptModel: TrainablePrompt {
    public let z: Parameter
    public let autoencoder: IPTAutoencoder
    private var recorded: (prompt: Tensor, hidden: Tensor)?

    public init(autoencoder: IPTAutoencoder, initial: Tensor) {
        precondition(initial.count == autoencoder.intrinsicDim, "z must have d_I = \(autoencoder.intrinsicDim) entries")
        self.autoencoder = autoencoder
        z = Parameter(name: "z", value: initial.clone().reshaped([autoencoder.intrinsicDim]))
    }

    /// IPT's `prompt_task` init: N(0, 0.02²) per entry (Box-Muller over a seeded SplitMix64).
    public static func normalInit(intrinsicDim: Int, seed: UInt64, std: Float = 0.02) -> Tensor {
        var rng = SplitMix64(seed: seed ^ 0x1A7_5EED)
        let z = Tensor(uninitialized: [intrinsicDim])
        for i in 0..<intrinsicDim {
            let u1 = max(Double(rng.next() >> 11) / 9_007_199_254_740_992, 1e-300)
            let u2 = Double(rng.next() >> 11) / 9_007_199_254_740_992
            z.data[i] = std * Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
        }
        return z
    }

    public var parameters: [Parameter] { [z] }
    public var promptLength: Int { autoencoder.promptLength }

    /// The current prompt Proj_b(z) (n, d).
    public var prompt: Tensor { autoencoder.prompt(for: z.value) }

    public func prompts(for examples: [EncodedExample], training: Bool) throws -> [Tensor] {
        let forward = autoencoder.reconstruct(z.value.data)
        recorded = training ? forward : nil
        return Array(repeating: forward.prompt, count: examples.count)
    }

    public func backward(_ promptGradients: [Tensor?]) {
        guard let recorded else { return }
        let sum = Tensor(zeros: [autoencoder.flatCount])
        for gradient in promptGradients {
            guard let gradient else { continue }
            for i in 0..<sum.count { sum.data[i] += gradient.data[i] }
        }
        let dz = autoencoder.backwardReconstruct(z: z.value.data, hidden: recorded.hidden, promptGradient: sum.data,
                                                 into: IPTAutoencoderGradients())
        for i in 0..<z.count { z.grad.data[i] += dz.data[i] }
        self.recorded = nil
    }
}
