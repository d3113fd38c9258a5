// Plain prompt tuning (Lester et al. 2021, spec §3): one (l, d) prompt shared by every example, the only trainable
// tensor; its gradient is the sum of the per-example prompt gradients of the batch loss.
import Kernels

public final class StaticPromptModel: TrainablePrompt {
    public let prompt: Parameter

    public init(initial: Tensor) {
        prompt = Parameter(name: "prompt", value: initial.clone())
    }

    public var parameters: [Parameter] { [prompt] }
    public var promptLength: Int { prompt.shape[0] }

    public func prompts(for examples: [EncodedExample], training: Bool) throws -> [Tensor] {
        Array(repeating: prompt.value, count: examples.count)
    }

    public func backward(_ promptGradients: [Tensor?]) {
        let g = prompt.grad.data
        for gradient in promptGradients {
            guard let gradient else { continue }
            for i in 0..<prompt.count { g[i] += gradient.data[i] }
        }
    }
}
