// Learning-rate schedules as multipliers of the base rate, mirroring transformers' get_constant_schedule,
// get_constant_schedule_with_warmup and get_linear_schedule_with_warmup (LambdaLR lambdas, Double arithmetic).
// Step indexing as there: the factor of optimizer step s (s = 0, 1, …) is lambda(s), because the scheduler's
// step() follows the optimizer's; so with warmup the very first update runs at lr 0.

public enum LearningRateSchedule: Sendable, Equatable {
    /// Factor 1 at every step.
    case constant
    /// s / warmup during the first `warmupSteps` steps, then 1.
    case constantWithWarmup(warmupSteps: Int)
    /// s / warmup during warmup, then linear decay to 0 at `totalSteps` (and 0 after).
    case linear(warmupSteps: Int, totalSteps: Int)

    /// The multiplier of the base learning rate at optimizer step `step` (0-based).
    public func factor(step: Int) -> Double {
        switch self {
        case .constant:
            return 1
        case .constantWithWarmup(let warmup):
            if step < warmup { return Double(step) / Double(max(1, warmup)) }
            return 1
        case .linear(let warmup, let total):
            // if current_step < num_warmup_steps: return float(current_step) / float(max(1, num_warmup_steps))
            // return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))
            if step < warmup { return Double(step) / Double(max(1, warmup)) }
            return max(0, Double(total - step) / Double(max(1, total - warmup)))
        }
    }

    /// base · factor(step), torch's group["lr"] after `step` scheduler steps.
    public func learningRate(base: Double, step: Int) -> Double {
        base * factor(step: step)
    }

    /// Throws for negative step counts.
    public func validate() throws(TrainingError) {
        switch self {
        case .constant: return
        case .constantWithWarmup(let warmup):
            if warmup < 0 { throw .invalidHyperparameter(name: "warmup steps", value: "\(warmup)", reason: "must be ≥ 0") }
        case .linear(let warmup, let total):
            if warmup < 0 { throw .invalidHyperparameter(name: "warmup steps", value: "\(warmup)", reason: "must be ≥ 0") }
            if total < 0 { throw .invalidHyperparameter(name: "total steps", value: "\(total)", reason: "must be ≥ 0") }
        }
    }
}
