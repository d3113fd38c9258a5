// A set of parameters sharing a base learning rate and weight decay: torch.optim's param_groups. Schedules scale
// every group's base rate by the same factor (torch LambdaLR: lr = base_lr · factor(step)).

public struct ParameterGroup: Sendable {
    public var parameters: [Parameter]
    /// The base learning rate (torch's initial `lr` of the group).
    public var learningRate: Double
    /// Weight decay of the group (each optimizer applies it as torch does for that optimizer).
    public var weightDecay: Double

    public init(parameters: [Parameter], learningRate: Double, weightDecay: Double = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    /// Throws unless lr ≥ 0 and weight decay ≥ 0 (torch's checks).
    func validate() throws(TrainingError) {
        guard learningRate >= 0 else {
            throw .invalidHyperparameter(name: "learning rate", value: "\(learningRate)", reason: "must be ≥ 0")
        }
        guard weightDecay >= 0 else {
            throw .invalidHyperparameter(name: "weight decay", value: "\(weightDecay)", reason: "must be ≥ 0")
        }
    }
}
