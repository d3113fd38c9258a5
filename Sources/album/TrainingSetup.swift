// What every `album train` subcommand does around its prompt model: load the checkpoint and tokenizer, read and
// tokenize the data with the task's template and labels, build the trainer (resuming when asked), run it with
// Ctrl-C handling, and fill the artifact's `training` metadata.
import ArgumentParser
import Foundation
import Kernels
import Prompts
import T5
import Tokenization
import Training

struct TrainingSetup {
    let options: TrainOptions
    let configuration: TrainingConfiguration
    let model: T5Model
    let tokenizer: Tokenizer
    let info: BaseModelInfo
    let manifest: TaskManifest
    let train: [EncodedExample]
    let validation: [EncodedExample]
    /// One name per --data (the --out folder name for a single unnamed file) and its path.
    let targetNames: [String]
    /// Per target: the manifest with its template and labels (--target-task-json, else the common options).
    let targetManifests: [TaskManifest]
    let dataPaths: [String]

    /// - Parameters:
    ///   - severalTargets: whether several NAME=PATH --data are allowed (multi-target SPE, IPT subspaces).
    ///   - defaultLearningRate: the command's learning rate when --lr is not given.
    init(_ options: TrainOptions, severalTargets: Bool = false, defaultLearningRate: Double = 0.3) throws {
        self.options = options
        AllocatorTuning.retainFreedPages()
        if !severalTargets && options.data.count != 1 { throw ValidationError("give one --data file") }
        var configuration = try options.configuration(defaultLearningRate: defaultLearningRate)
        if let threads = options.threads { BLAS.threads = threads }
        configuration.threads = options.threads ?? BLAS.threads
        self.configuration = configuration
        let directory = URL(fileURLWithPath: options.model)
        model = try T5Model.load(directory: directory)
        do { tokenizer = try Tokenizer.load(directory: directory) } catch {
            throw CLIError("training needs a tokenizer in \(options.model): \(error)")
        }
        info = try BaseModelInfo(checkpoint: directory)
        var manifest = try options.baseManifest()
        manifest.baseModel = BaseModelRef(fingerprint: info.fingerprint, dModel: info.dModel)
        self.manifest = manifest
        let targets = try options.targets()
        let (tokenizer, maxLength) = (tokenizer, configuration.maxSourceLength)
        func encoder(_ manifest: TaskManifest) throws -> ExampleEncoder {
            ExampleEncoder(tokenizer: tokenizer, template: try manifest.template.map { try InputTemplate($0, path: "--template") },
                           labels: manifest.labels, maxSourceLength: min(maxLength, manifest.maxInputTokens ?? .max))
        }
        var manifests: [TaskManifest] = []
        var train: [EncodedExample] = []
        for (index, target) in targets.enumerated() {
            var targetManifest = try options.baseManifest(target: target.name)
            targetManifest.baseModel = manifest.baseModel
            manifests.append(targetManifest)
            let encoder = try encoder(targetManifest)
            train += try encoder.encode(options.dataset(target.path)).map { example in
                var example = example
                example.task = index
                return example
            }
        }
        self.train = train
        targetManifests = manifests
        let encoder = try encoder(manifest)
        targetNames = targets.map { $0.name ?? options.outURL.lastPathComponent }
        dataPaths = targets.map(\.path)
        validation = try options.validation.map { try encoder.encode(options.dataset($0)) } ?? []
    }

    func trainer(_ prompt: any TrainablePrompt) throws -> PromptTrainer {
        let logger = try TrainingLogger(path: options.log, append: options.resume, console: !options.quiet)
        let evaluator = Evaluator(model: model, tokenizer: tokenizer, labels: manifest.labels)
        let trainer = try PromptTrainer(model: model, prompt: prompt, configuration: configuration, train: train,
                                        validation: validation, evaluator: evaluator,
                                        checkpointDirectory: options.checkpointDirectory, logger: logger)
        if options.resume {
            try trainer.resume()
            logger.note("resumed at step \(trainer.step) of \(trainer.totalSteps)")
        }
        return trainer
    }

    /// Runs the trainer to the end; on Ctrl-C the checkpoint is written and the error says how to resume.
    func run(_ trainer: PromptTrainer) throws {
        Interrupt.install()
        try trainer.run()
    }

    func metadata(_ trainer: PromptTrainer, kind: String, extra: [String: String] = [:], target: Int = 0) -> TrainingMetadata {
        TrainingMetadata(trainer: kind, settings: configuration.settings.merging(extra) { $1 },
                         dataHash: TrainOptions.hash(of: dataPaths[target]), steps: trainer.step,
                         examples: train.filter { $0.task == target }.count,
                         finalValidation: trainer.lastMetrics, bestValidation: trainer.bestMetrics, bestStep: trainer.bestStep,
                         baseModelFingerprint: info.fingerprint)
    }
}
