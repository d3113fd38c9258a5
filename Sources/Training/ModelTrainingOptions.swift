// Settings of a full-parameter training run of T5 (ModelTrainer.swift), with transformers' Seq2SeqTrainer defaults
// where it has one: AdamW (weight decay 0), linear decay without warmup, gradient clipping at 1.0, dropout 0.1.
import Foundation
import SafeTensors

public struct ModelTrainingOptions: Sendable {
    public enum OptimizerKind: String, Sendable, CaseIterable {
        case adamw
        /// transformers' Adafactor with an external learning rate (T5's own pre-training optimizer).
        case adafactor
    }

    public enum ScheduleKind: String, Sendable, CaseIterable {
        case linear
        case constant
    }

    /// Optimizer steps to run (epochs repeat as needed).
    public var steps: Int
    public var batchSize: Int
    public var learningRate: Double
    public var seed: UInt64
    public var optimizer: OptimizerKind = .adamw
    public var weightDecay: Double = 0
    public var schedule: ScheduleKind = .linear
    public var warmupSteps: Int = 0
    /// Global gradient-norm clipping; 0 turns it off.
    public var maxGradNorm: Double = 1
    /// Dropout of every T5 dropout site (HF dropout_rate).
    public var dropout: Double = 0.1
    /// Threads of a step: the batch runs as this many shards side by side, each accumulating its own weight
    /// gradients (T5Model.lossAndGradients(batch:options:threads:)); 1 runs it whole with OpenBLAS's threads.
    public var threads: Int = 1
    /// Write `checkpoint-<step>` under the output directory every this many steps; nil writes only the final one.
    public var saveEvery: Int?
    /// Element type of saved weights.
    public var saveDType: DType = .f32

    public init(steps: Int, batchSize: Int, learningRate: Double, seed: UInt64) {
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
    }

    /// The learning-rate schedule of the run.
    public var learningRateSchedule: LearningRateSchedule {
        switch schedule {
        case .linear: .linear(warmupSteps: warmupSteps, totalSteps: steps)
        case .constant: .constantWithWarmup(warmupSteps: warmupSteps)
        }
    }

    /// - Throws: `TrainingError.invalidHyperparameter` for a value out of range.
    public func validate() throws(TrainingError) {
        func check(_ ok: Bool, _ name: String, _ value: Any, _ reason: String) throws(TrainingError) {
            if !ok { throw .invalidHyperparameter(name: name, value: "\(value)", reason: reason) }
        }
        try check(steps >= 0, "steps", steps, "must be ≥ 0")
        try check(batchSize >= 1, "batch size", batchSize, "must be ≥ 1")
        try check(learningRate >= 0 && learningRate.isFinite, "learning rate", learningRate, "must be a finite number ≥ 0")
        try check(weightDecay >= 0, "weight decay", weightDecay, "must be ≥ 0")
        try check(warmupSteps >= 0, "warmup steps", warmupSteps, "must be ≥ 0")
        try check(maxGradNorm >= 0, "max grad norm", maxGradNorm, "must be ≥ 0")
        try check(dropout >= 0 && dropout < 1, "dropout", dropout, "must be in [0, 1)")
        if let saveEvery { try check(saveEvery >= 1, "save every", saveEvery, "must be ≥ 1") }
    }
}
