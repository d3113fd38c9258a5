// The training loop over a frozen T5 and a TrainablePrompt (HF Trainer's order of operations): for each step, the
// batch of the seeded length-grouped sampler, prompts, T5Model.lossAndGradients (dropout keyed by seed and step),
// the prompts' backward, global-norm clipping, the scheduled optimizer step, zeroed gradients; then snapshots,
// periodic validation with best-checkpoint tracking, periodic checkpoints, and a checkpoint on SIGINT.
import Foundation
import Kernels
import T5

public final class PromptTrainer {
    public let model: T5Model
    public let prompt: any TrainablePrompt
    public let configuration: TrainingConfiguration
    public let train: [EncodedExample]
    public let validation: [EncodedExample]
    public let evaluator: Evaluator?
    /// Where `checkpoint.safetensors` lives; nil keeps no checkpoints.
    public let checkpointDirectory: URL?
    public let logger: TrainingLogger?
    public let totalSteps: Int

    /// Steps (1-based, after the update) at which `onSnapshot` is called.
    public var snapshotSteps: Set<Int> = []
    /// Called with the completed step; may add tensors to `extra` (kept in checkpoints).
    public var onSnapshot: ((Int, PromptTrainer) throws -> Void)?
    /// Called when validation improves, with the step and the metrics (e.g. to write the best artifact).
    public var onBest: ((Int, [String: Double]) throws -> Void)?
    /// Polled after each step; true writes a checkpoint and stops (SIGINT by default; tests inject their own).
    public var interruptRequested: () -> Bool = { Interrupt.take() }
    /// Tensors a caller keeps across resumes (e.g. snapshots).
    public var extra: [String: Tensor] = [:]

    public private(set) var step = 0
    public private(set) var bestMetrics: [String: Double]?
    public private(set) var bestStep: Int?
    public private(set) var lastMetrics: [String: Double]?
    /// The loss of every step of this process, in order.
    public private(set) var losses: [Double] = []

    private let optimizer: any Optimizer
    private let sampler: BatchSampler
    private let schedule: LearningRateSchedule

    public init(model: T5Model, prompt: any TrainablePrompt, configuration: TrainingConfiguration,
                train: [EncodedExample], validation: [EncodedExample] = [], evaluator: Evaluator? = nil,
                checkpointDirectory: URL? = nil, logger: TrainingLogger? = nil) throws(TrainingError) {
        try configuration.validate()
        guard !train.isEmpty else { throw .invalidHyperparameter(name: "training data", value: "0 examples", reason: "empty") }
        self.model = model
        self.prompt = prompt
        self.configuration = configuration
        self.train = train
        self.validation = validation
        self.evaluator = evaluator
        self.checkpointDirectory = checkpointDirectory
        self.logger = logger
        totalSteps = configuration.totalSteps(examples: train.count)
        model.setTrainable { _ in false }
        optimizer = try configuration.makeOptimizer(prompt.parameters)
        sampler = try BatchSampler(lengths: train.map { $0.input.count + prompt.promptLength },
                                   batchSize: configuration.batchSize, shuffle: configuration.shuffle,
                                   groupByLength: configuration.groupByLength, seed: configuration.seed)
        schedule = configuration.learningRateSchedule(total: totalSteps)
        logger?.batchSize = configuration.batchSize
    }

    /// The metric validation improves on: accuracy with labels, else the loss (lower is better).
    private func score(_ metrics: [String: Double]) -> Double {
        if let accuracy = metrics["accuracy"], evaluator?.labels != nil { return accuracy }
        return -(metrics["loss"] ?? 0)
    }

    public var checkpointURL: URL? { checkpointDirectory?.appendingPathComponent(TrainingCheckpoint.fileName) }

    /// Restores the state of the checkpoint in `checkpointDirectory`.
    public func resume() throws(TrainingError) {
        guard let url = checkpointURL else { throw .badCheckpoint(path: "-", reason: "no checkpoint directory") }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .badCheckpoint(path: url.path, reason: "does not exist (nothing to resume)")
        }
        let checkpoint = try TrainingCheckpoint.read(url)
        if let seed = checkpoint.metadata["seed"], seed != "\(configuration.seed)" {
            throw .badCheckpoint(path: url.path, reason: "written by a run with seed \(seed), not \(configuration.seed)")
        }
        for parameter in prompt.parameters {
            guard let saved = checkpoint.parameters[parameter.name], saved.shape == parameter.shape else {
                throw .badCheckpoint(path: url.path, reason: "no parameter \(parameter.name) of shape \(parameter.shape)")
            }
            parameter.value.data.update(from: saved.data, count: parameter.count)
        }
        try optimizer.restore(state: checkpoint.optimizerState, stepCount: checkpoint.step)
        step = checkpoint.step
        extra = checkpoint.extra
        if let best = checkpoint.metadata["bestMetrics"], let data = best.data(using: .utf8),
           let metrics = try? JSONDecoder().decode([String: Double].self, from: data) {
            bestMetrics = metrics
            bestStep = checkpoint.metadata["bestStep"].flatMap(Int.init)
        }
    }

    /// Writes the current state to the checkpoint file.
    public func saveCheckpoint() throws(TrainingError) {
        guard let url = checkpointURL else { return }
        do { try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true) }
        catch { throw .badCheckpoint(path: url.path, reason: error.localizedDescription) }
        var metadata = ["seed": "\(configuration.seed)", "optimizer": configuration.optimizer.rawValue]
        if let bestMetrics, let data = try? JSONEncoder().encode(bestMetrics) {
            metadata["bestMetrics"] = String(decoding: data, as: UTF8.self)
            metadata["bestStep"] = "\(bestStep ?? 0)"
        }
        let parameters = Dictionary(uniqueKeysWithValues: prompt.parameters.map { ($0.name, $0.value) })
        let state = Dictionary(uniqueKeysWithValues: optimizer.stateTensors.map { ($0.name, $0.tensor) })
        try TrainingCheckpoint(step: step, parameters: parameters, optimizerState: state, extra: extra,
                               metadata: metadata).write(to: url)
    }

    /// Validation metrics now (nil without validation data).
    public func validate() throws -> [String: Double]? {
        guard let evaluator, !validation.isEmpty else { return nil }
        return try evaluator.evaluate(prompt, on: validation).metrics
    }

    /// Runs from the current step to `totalSteps` (or `until`, for tests that stop a run part-way).
    /// - Throws: `TrainingError.interrupted` after SIGINT (a checkpoint is written first), errors of the model.
    public func run(until stop: Int? = nil) throws {
        let end = min(stop ?? totalSteps, totalSteps)
        let parameters = prompt.parameters
        let perEpoch = sampler.batchesPerEpoch
        var epochBatches: (epoch: Int, batches: [[Int]])?
        while step < end {
            let s = step, epoch = s / perEpoch
            if epochBatches?.epoch != epoch { epochBatches = (epoch, sampler.batches(epoch: epoch)) }
            let indices = epochBatches!.batches[s % perEpoch]
            let started = Date()
            let batch = indices.map { train[$0] }
            let prompts = try prompt.prompts(for: batch, training: true)
            let examples = zip(prompts, batch).map { TrainingExample(input: EncoderRow(prompt: $0, tokens: $1.input), labels: $1.target) }
            let options = TrainingOptions(dropout: configuration.dropout, seed: configuration.seed, step: UInt32(truncatingIfNeeded: s))
            let result = try model.lossAndGradients(batch: examples, options: options, threads: configuration.threads)
            let loss = result.loss + prompt.auxiliaryLoss
            prompt.backward(result.promptGradients)
            let norm = try clipGradientNorm(parameters, maxNorm: configuration.clip > 0 ? configuration.clip : .infinity,
                                            errorIfNonfinite: true)
            let factor = schedule.factor(step: s)
            optimizer.step(learningRateFactor: factor)
            optimizer.zeroGrad()
            step = s + 1
            losses.append(loss)
            let rate = Double(batch.count) / max(Date().timeIntervalSince(started), 1e-9)
            if snapshotSteps.contains(step) { try onSnapshot?(step, self) }
            var metrics: [String: Double]?
            if (configuration.evalEvery > 0 && step % configuration.evalEvery == 0) || step == totalSteps {
                metrics = try validate()
                if let metrics {
                    lastMetrics = metrics
                    if bestMetrics.map({ score(metrics) > score($0) }) ?? true {
                        bestMetrics = metrics
                        bestStep = step
                        try onBest?(step, metrics)
                    }
                }
            }
            logger?.log(step: step, total: totalSteps, loss: loss, lr: configuration.learningRate * factor,
                        gradNorm: Double(norm), examplesPerSecond: rate, eval: metrics)
            if configuration.checkpointEvery > 0 && step % configuration.checkpointEvery == 0 { try saveCheckpoint() }
            if interruptRequested() {
                try saveCheckpoint()
                throw TrainingError.interrupted(step: step, checkpoint: checkpointURL?.path ?? "-")
            }
        }
        if step == totalSteps { try saveCheckpoint() }
    }
}
