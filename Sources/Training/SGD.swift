// Stochastic gradient descent, mirroring torch.optim.SGD (_single_tensor_sgd): L2 weight decay added to the
// gradient, optional momentum (buffer = clone of the first gradient, then μ·buf + (1 − dampening)·g), Nesterov.
// Float arithmetic in torch's operation order; scalars in Double as Python.
import Kernels

public final class SGD: Optimizer {
    public let groups: [ParameterGroup]
    public let momentum: Double
    public let dampening: Double
    public let nesterov: Bool
    public internal(set) var stepCount = 0
    /// Momentum buffers in `parameters` order; empty until the first step (torch creates them from the gradient).
    var buffers: [Tensor] = []

    /// - Throws: `TrainingError.invalidHyperparameter` for momentum < 0, or Nesterov without momentum or with
    ///   dampening (torch's checks), lr < 0 or decay < 0.
    public init(groups: [ParameterGroup], momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false)
        throws(TrainingError) {
        for group in groups { try group.validate() }
        guard momentum >= 0 else {
            throw .invalidHyperparameter(name: "momentum", value: "\(momentum)", reason: "must be ≥ 0")
        }
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw .invalidHyperparameter(name: "nesterov", value: "true",
                                         reason: "requires a momentum and zero dampening")
        }
        self.groups = groups
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
    }

    /// One group at base rate `learningRate` with L2 `weightDecay`.
    public convenience init(parameters: [Parameter], learningRate: Double, weightDecay: Double = 0,
                            momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false) throws(TrainingError) {
        try self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                      momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    public func step(learningRateFactor: Double) {
        let first = buffers.isEmpty
        if first && momentum != 0 { buffers = parameters.map { Tensor(zeros: $0.shape) } }
        stepCount += 1
        let mu = Float(momentum), keep = Float(1 - dampening)
        var index = 0
        for group in groups {
            let negativeLR = Float(-(group.learningRate * learningRateFactor)), decay = Float(group.weightDecay)
            for parameter in group.parameters {
                let p = parameter.value.data, g = parameter.grad.data
                let buf = momentum != 0 ? buffers[index].data : nil
                index += 1
                for i in 0..<parameter.count {
                    // grad = grad.add(param, alpha=weight_decay)
                    var d = group.weightDecay != 0 ? g[i] + decay * p[i] : g[i]
                    if let buf {
                        // buf = clone(grad) on the first step, else buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                        buf[i] = first ? d : buf[i] * mu + keep * d
                        d = nesterov ? d + mu * buf[i] : buf[i]
                    }
                    // param.add_(grad, alpha=-lr)
                    p[i] = p[i] + negativeLR * d
                }
            }
        }
    }
}
