// AdamW, mirroring torch.optim.AdamW (torch.optim.adam._single_tensor_adam with decoupled_weight_decay=True, the
// CPU path), operation by operation and in the same order, in Float with the scalars computed in Double as Python
// does: decoupled decay, lerp of the first moment, bias corrections, denom = sqrt(v)/sqrt(bc2) + eps.
// No amsgrad, no maximize. torch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 1e-2 (set per group).
import Foundation
import Kernels

public final class AdamW: Optimizer {
    public let groups: [ParameterGroup]
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public internal(set) var stepCount = 0
    /// First and second moments per parameter, in `parameters` order (torch's exp_avg, exp_avg_sq).
    let firstMoments: [Tensor]
    let secondMoments: [Tensor]

    /// - Throws: `TrainingError.invalidHyperparameter` for betas outside [0, 1), eps < 0, lr < 0 or decay < 0.
    public init(groups: [ParameterGroup], beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8)
        throws(TrainingError) {
        for group in groups { try group.validate() }
        for (name, beta) in [("beta1", beta1), ("beta2", beta2)] where !(beta >= 0 && beta < 1) {
            throw .invalidHyperparameter(name: name, value: "\(beta)", reason: "must be in [0, 1)")
        }
        guard epsilon >= 0 else { throw .invalidHyperparameter(name: "eps", value: "\(epsilon)", reason: "must be ≥ 0") }
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        let all = groups.flatMap(\.parameters)
        firstMoments = all.map { Tensor(zeros: $0.shape) }
        secondMoments = all.map { Tensor(zeros: $0.shape) }
    }

    /// One group: `parameters` at base rate `learningRate` with decoupled `weightDecay`.
    public convenience init(parameters: [Parameter], learningRate: Double, weightDecay: Double = 0.01,
                            beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) throws(TrainingError) {
        try self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                      beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    public func step(learningRateFactor: Double) {
        stepCount += 1
        let step = Double(stepCount)
        // bias_correction1 = 1 - beta1 ** step; step_size = lr / bias_correction1
        // bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        let biasCorrection1 = 1 - pow(beta1, step)
        let biasCorrection2Sqrt = Float(pow(1 - pow(beta2, step), 0.5))
        let lerpWeight = Float(1 - beta1), beta2f = Float(beta2), oneMinusBeta2 = Float(1 - beta2)
        let eps = Float(epsilon)
        var index = 0
        for group in groups {
            let lr = group.learningRate * learningRateFactor
            // param.mul_(1 - lr * weight_decay)
            let decays = group.weightDecay != 0, decay = Float(1 - lr * group.weightDecay)
            let negativeStepSize = Float(-(lr / biasCorrection1))
            for parameter in group.parameters {
                let p = parameter.value.data, g = parameter.grad.data
                let m = firstMoments[index].data, v = secondMoments[index].data
                index += 1
                for i in 0..<parameter.count {
                    if decays { p[i] = p[i] * decay }
                    // exp_avg.lerp_(grad, 1 - beta1): torch's lerp takes the form that is exact at its nearer end.
                    m[i] = lerpWeight < 0.5 ? m[i] + lerpWeight * (g[i] - m[i]) : g[i] - (g[i] - m[i]) * (1 - lerpWeight)
                    // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                    v[i] = v[i] * beta2f
                    v[i] = v[i] + oneMinusBeta2 * g[i] * g[i]
                    // denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
                    let denom = v[i].squareRoot() / biasCorrection2Sqrt + eps
                    // param.addcdiv_(exp_avg, denom, value=-step_size)
                    p[i] = p[i] + negativeStepSize * m[i] / denom
                }
            }
        }
    }
}
