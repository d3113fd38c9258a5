// The optimizer interface shared by AdamW, Adafactor and SGD (torch.optim.Optimizer): parameter groups, one update
// per `step`, and zeroing the gradients. The learning rate of a step is the group's base rate times the schedule's
// factor for that step (see LearningRateSchedule), passed in so that optimizers hold no schedule.

public protocol Optimizer: AnyObject {
    /// The parameter groups, in the order they were given.
    var groups: [ParameterGroup] { get }

    /// Number of completed steps (torch's state["step"] of every parameter).
    var stepCount: Int { get }

    /// One update of every parameter from its gradient, at lr = group.learningRate · learningRateFactor.
    func step(learningRateFactor: Double)
}

extension Optimizer {
    /// Every parameter of every group, in order.
    public var parameters: [Parameter] { groups.flatMap(\.parameters) }

    /// One update at the groups' base learning rates.
    public func step() { step(learningRateFactor: 1) }

    /// grad = 0 for every parameter.
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGrad() }
    }
}
