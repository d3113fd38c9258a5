// The settings of one training run (the CLI's common options): optimizer, learning rate and schedule, clipping,
// batching, length of the run, seed, dropout, evaluation and checkpoint cadence. `settings` renders them for the
// artifact's `training` metadata.

public struct TrainingConfiguration: Sendable, Equatable {
    public enum OptimizerKind: String, Sendable, CaseIterable { case adamw, adafactor, sgd }
    public enum ScheduleKind: String, Sendable, CaseIterable { case linear, constant }

    public var optimizer: OptimizerKind = .adamw
    public var learningRate: Double = 0.3
    public var warmupSteps: Int = 0
    public var schedule: ScheduleKind = .linear
    public var weightDecay: Double = 1e-5
    /// Global gradient-norm clip; 0 turns clipping off.
    public var clip: Double = 1.0
    public var batchSize: Int = 8
    /// Total optimizer steps; nil derives them from `epochs`.
    public var steps: Int?
    public var epochs: Int = 1
    public var seed: UInt64 = 0
    public var shuffle: Bool = true
    public var groupByLength: Bool = true
    public var dropout: Double = 0.1
    /// Validate every N steps (0: only at the end).
    public var evalEvery: Int = 0
    /// Write a checkpoint every N steps (0: only at the end and on interruption).
    public var checkpointEvery: Int = 0
    public var maxSourceLength: Int = 256
    /// Threads for a step: the batch runs as this many shards side by side (T5Model.lossAndGradients(batch:options:
    /// threads:)); masks and results do not depend on it beyond float summation order.
    public var threads: Int = 1

    public init() {}

    /// The run's optimizer steps for `examples` training examples.
    public func totalSteps(examples: Int) -> Int {
        if let steps { return steps }
        return epochs * max(1, (examples + batchSize - 1) / batchSize)
    }

    /// - Throws: `TrainingError.invalidHyperparameter` for values out of range.
    public func validate() throws(TrainingError) {
        func bad(_ name: String, _ value: Any, _ reason: String) -> TrainingError {
            .invalidHyperparameter(name: name, value: "\(value)", reason: reason)
        }
        guard learningRate >= 0, learningRate.isFinite else { throw bad("--lr", learningRate, "must be ≥ 0") }
        guard warmupSteps >= 0 else { throw bad("--warmup", warmupSteps, "must be ≥ 0") }
        guard weightDecay >= 0 else { throw bad("--weight-decay", weightDecay, "must be ≥ 0") }
        guard clip >= 0 else { throw bad("--clip", clip, "must be ≥ 0") }
        guard batchSize >= 1 else { throw bad("--batch-size", batchSize, "must be ≥ 1") }
        guard threads >= 1 else { throw bad("--threads", threads, "must be ≥ 1") }
        if let steps, steps < 1 { throw bad("--steps", steps, "must be ≥ 1") }
        guard epochs >= 1 else { throw bad("--epochs", epochs, "must be ≥ 1") }
        guard dropout >= 0 && dropout < 1 else { throw bad("--dropout", dropout, "must be in [0, 1)") }
        guard evalEvery >= 0 else { throw bad("--eval-every", evalEvery, "must be ≥ 0") }
        guard checkpointEvery >= 0 else { throw bad("--checkpoint-every", checkpointEvery, "must be ≥ 0") }
        guard maxSourceLength >= 2 else { throw bad("--max-source-length", maxSourceLength, "must be ≥ 2") }
    }

    /// The schedule over `total` steps.
    public func learningRateSchedule(total: Int) -> LearningRateSchedule {
        switch schedule {
        case .linear: .linear(warmupSteps: warmupSteps, totalSteps: total)
        case .constant: warmupSteps > 0 ? .constantWithWarmup(warmupSteps: warmupSteps) : .constant
        }
    }

    /// The optimizer over `parameters`.
    public func makeOptimizer(_ parameters: [Parameter]) throws(TrainingError) -> any Optimizer {
        let group = ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)
        switch optimizer {
        case .adamw: return try AdamW(groups: [group])
        case .adafactor: return try Adafactor(groups: [group])
        case .sgd: return try SGD(groups: [group])
        }
    }

    /// The settings as text, for the artifact's metadata.
    public var settings: [String: String] {
        ["optimizer": optimizer.rawValue, "lr": "\(learningRate)", "warmup": "\(warmupSteps)",
         "schedule": schedule.rawValue, "weightDecay": "\(weightDecay)", "clip": "\(clip)", "batchSize": "\(batchSize)",
         "seed": "\(seed)", "shuffle": "\(shuffle)", "dropout": "\(dropout)", "maxSourceLength": "\(maxSourceLength)",
         "threads": "\(threads)"]
    }
}
