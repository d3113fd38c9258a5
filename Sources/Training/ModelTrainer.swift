// Full-parameter seq2seq training of T5, the loop of transformers' Seq2SeqTrainer (and T5 pre-training with
// run_t5_mlm_flax.py's span corruption): every weight trainable, seeded shuffled batches, one forward/backward per
// batch (T5Model.lossAndGradients), global-norm clipping, AdamW or Adafactor under a linear or constant schedule,
// `weightsDidChange()` after each update, `checkpoint-<step>` every `saveEvery` steps and the final HF checkpoint
// (config.json, model.safetensors and the tokenizer's files) in the output directory, where `album serve` loads it.
import Foundation
import Kernels
import SafeTensors
import T5

public final class ModelTrainer {
    public let model: T5Model
    public let data: ModelTrainingData
    public let options: ModelTrainingOptions
    /// Trainable storage tensors of the model, as the optimizer updates them.
    public let parameters: [Parameter]
    private let optimizer: any Optimizer
    private let sampler: BatchSampler
    private let corruption: SpanCorruption

    /// Makes every weight of `model` trainable (gradients start at 0) and builds the optimizer and the sampler.
    /// - Throws: `.training` for an option out of range or empty data.
    public init(model: T5Model, data: ModelTrainingData, options: ModelTrainingOptions) throws(ModelTrainerError) {
        do {
            try options.validate()
            guard data.count > 0 else { throw TrainingError.emptyDataset(file: "training data") }
            model.setTrainable { _ in true }
            model.zeroGradients()
            parameters = model.trainableTensors.compactMap { tensor in
                tensor.gradient.map { Parameter(name: tensor.name, value: tensor.value, grad: $0) }
            }
            let group = ParameterGroup(parameters: parameters, learningRate: options.learningRate,
                                       weightDecay: options.weightDecay)
            switch options.optimizer {
            case .adamw: optimizer = try AdamW(groups: [group])
            case .adafactor: optimizer = try Adafactor(groups: [group])
            }
            sampler = try BatchSampler(lengths: data.inputs.map(\.count), batchSize: options.batchSize, seed: options.seed)
            corruption = try SpanCorruption()
        } catch let error as TrainingError {
            throw .training(error)
        } catch {
            throw .training(.invalidHyperparameter(name: "options", value: "", reason: "\(error)"))
        }
        self.model = model
        self.data = data
        self.options = options
    }

    /// Example `index` of epoch `epoch`: the pair as read, or the line span-corrupted for this epoch.
    public func example(_ index: Int, epoch: Int) throws(ModelTrainerError) -> TrainingExample? {
        switch data.objective {
        case .seq2seq:
            return TrainingExample(input: EncoderRow(prompt: nil, tokens: data.inputs[index]), labels: data.targets[index])
        case .spanCorruption:
            let pair: (input: [Int32], target: [Int32])?
            do {
                pair = try corruption.corrupt(data.inputs[index], sentinels: data.sentinels, eos: data.eos,
                                              seed: options.seed, epoch: epoch, index: index)
            } catch { throw .training(error) }
            return pair.map { TrainingExample(input: EncoderRow(prompt: nil, tokens: $0.input), labels: $0.target) }
        }
    }

    /// Runs `options.steps` optimizer steps, calling `onStep` after each; saves `checkpoint-<step>` folders every
    /// `saveEvery` steps and the final checkpoint into `output` (nil saves nothing).
    /// - Throws: `.model` for a batch the model refuses (e.g. a token outside its vocabulary) or a failed save,
    ///   `.nonFiniteLoss`, `.cannotCopy` for a tokenizer file.
    @discardableResult
    public func run(output: URL?, tokenizerDirectory: URL? = nil,
                    onStep: (ModelTrainingStep) -> Void = { _ in }) throws(ModelTrainerError) -> [ModelTrainingStep] {
        var history: [ModelTrainingStep] = []
        var epoch = 0
        while history.count < options.steps {
            let stepsBefore = history.count
            for indices in sampler.batches(epoch: epoch) where history.count < options.steps {
                var batch: [TrainingExample] = []
                for index in indices {
                    if let example = try example(index, epoch: epoch) { batch.append(example) }
                }
                guard !batch.isEmpty else { continue }
                let record = try step(batch, epoch: epoch, index: history.count)
                history.append(record)
                onStep(record)
                if let output, let every = options.saveEvery, record.step % every == 0, record.step < options.steps {
                    try save(to: output.appendingPathComponent("checkpoint-\(record.step)"), tokenizerDirectory: tokenizerDirectory)
                }
            }
            // Only span corruption can drop an example (under 2 tokens); an epoch of nothing would never end.
            guard history.count > stepsBefore else { throw .training(.emptyDataset(file: "training data")) }
            epoch += 1
        }
        if let output { try save(to: output, tokenizerDirectory: tokenizerDirectory) }
        return history
    }

    /// One optimizer step on `batch` (0-based step `index`).
    private func step(_ batch: [TrainingExample], epoch: Int, index: Int) throws(ModelTrainerError) -> ModelTrainingStep {
        model.zeroGradients()
        let result: TrainingLoss
        do {
            result = try model.lossAndGradients(
                batch: batch, options: TrainingOptions(dropout: options.dropout, seed: options.seed,
                                                       step: UInt32(truncatingIfNeeded: index)),
                threads: options.threads)
        } catch { throw .model(error) }
        guard result.loss.isFinite else { throw .nonFiniteLoss(step: index + 1, loss: result.loss) }
        let norm: Float
        do {
            norm = options.maxGradNorm > 0
                ? try clipGradientNorm(parameters, maxNorm: options.maxGradNorm) : Self.norm(parameters)
        } catch { throw .training(error) }
        let factor = options.learningRateSchedule.factor(step: index)
        optimizer.step(learningRateFactor: factor)
        model.weightsDidChange()
        return ModelTrainingStep(step: index + 1, epoch: epoch, loss: result.loss,
                                 learningRate: options.learningRate * factor, gradientNorm: Double(norm),
                                 targetTokens: result.targetTokens)
    }

    private static func norm(_ parameters: [Parameter]) -> Float {
        var squares = 0.0
        for parameter in parameters {
            for i in 0..<parameter.count { squares += Double(parameter.grad.data[i]) * Double(parameter.grad.data[i]) }
        }
        return Float(squares.squareRoot())
    }

    /// The tokenizer files a checkpoint directory carries (whichever the source has).
    public static let tokenizerFiles = ["tokenizer.json", "spiece.model", "tokenizer_config.json", "special_tokens_map.json"]

    /// Saves the model as an HF checkpoint in `directory` (options.saveDType) with the tokenizer files of
    /// `tokenizerDirectory` copied next to it.
    public func save(to directory: URL, tokenizerDirectory: URL?) throws(ModelTrainerError) {
        do { try model.save(directory: directory, dtype: options.saveDType) } catch { throw .model(error) }
        guard let tokenizerDirectory, tokenizerDirectory.standardizedFileURL != directory.standardizedFileURL else { return }
        for name in Self.tokenizerFiles {
            let source = tokenizerDirectory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: source.path) else { continue }
            do {
                try AtomicFile.write(Data(contentsOf: source), to: directory.appendingPathComponent(name))
            } catch {
                throw .cannotCopy(path: source.path, reason: "\(error)")
            }
        }
    }
}
