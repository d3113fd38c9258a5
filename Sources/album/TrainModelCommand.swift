// `album train model`: full-parameter training of a T5 (Training/ModelTrainer.swift), from a checkpoint or from a
// config.json initialised as transformers initialises T5, on seq2seq JSON lines or span-corrupted plain text. Writes
// an HF checkpoint (plus the tokenizer's files) that `album serve --model OUT` and transformers load. Output
// contract: one JSON object on stdout ({"steps", "final_loss", "out", "parameters"}); --log gets one JSON line per step.
import ArgumentParser
import Foundation
import Kernels
import SafeTensors
import T5
import Tokenization
import Training

struct TrainModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Full-parameter training of a T5 (every weight trainable).",
        discussion: """
            album train model --model DIR --data pairs.jsonl --objective seq2seq --out OUT --steps 1000 --batch-size 8 --lr 1e-4 --seed 0
            album train model --config config.json --tokenizer DIR --data text.txt --objective span-corruption --out OUT --steps 10000 --batch-size 16 --lr 1e-2 --optimizer adafactor --schedule constant --seed 0
            """)

    @Option(name: .long, help: "Checkpoint directory to start from (its tokenizer is used unless --tokenizer).")
    var model: String?

    @Option(name: .long, help: "A T5 config.json to initialise a fresh model from (as transformers initialises T5).")
    var config: String?

    @Option(name: .long, help: "Tokenizer directory (tokenizer.json or spiece.model); required with --config.")
    var tokenizer: String?

    @Option(name: .long, help: "Training data: JSON lines {\"input\", \"target\"} (seq2seq) or plain text lines (span-corruption).")
    var data: String

    @Option(name: .long, help: "seq2seq | span-corruption.")
    var objective: String = "seq2seq"

    @Option(name: .long, help: "Output directory of the final checkpoint (and checkpoint-<step> folders).")
    var out: String

    @Option(name: .long, help: "Optimizer steps.")
    var steps: Int

    @Option(name: .customLong("batch-size"), help: "Examples per step.")
    var batchSize: Int = 8

    @Option(name: .long, help: "Peak learning rate.")
    var lr: Double = 1e-4

    @Option(name: .long, help: "Seed of initialisation, shuffling, span corruption and dropout.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "adamw | adafactor.")
    var optimizer: String = "adamw"

    @Option(name: .long, help: "linear | constant (after warmup).")
    var schedule: String = "linear"

    @Option(name: .customLong("warmup-steps"), help: "Linear warmup steps.")
    var warmupSteps: Int = 0

    @Option(name: .customLong("weight-decay"), help: "Decoupled weight decay.")
    var weightDecay: Double = 0

    @Option(name: .customLong("max-grad-norm"), help: "Global gradient-norm clipping (0: off).")
    var maxGradNorm: Double = 1

    @Option(name: .long, help: "Dropout rate of the model while training.")
    var dropout: Double = 0.1

    @Option(name: .customLong("max-input-length"), help: "Input tokens kept per example.")
    var maxInputLength: Int = 512

    @Option(name: .customLong("max-target-length"), help: "Target tokens kept per example.")
    var maxTargetLength: Int = 512

    @Option(name: .customLong("save-every"), help: "Also save OUT/checkpoint-<step> every N steps.")
    var saveEvery: Int?

    @Flag(name: .long, help: "Save weights as BF16 (default F32).")
    var bf16 = false

    @Option(name: .long, help: "Append one JSON line per step to this file.")
    var log: String?

    @Option(name: .long, help: "Threads (default: OpenBLAS's, the core count): each step's batch runs as this many shards side by side.")
    var threads: Int?

    func validate() throws {
        guard (model == nil) != (config == nil) else { throw ValidationError("give exactly one of --model or --config") }
        if config != nil && tokenizer == nil { throw ValidationError("--config needs --tokenizer DIR") }
        guard ModelObjective(rawValue: objective) != nil else {
            throw ValidationError("--objective must be one of: \(ModelObjective.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard ModelTrainingOptions.OptimizerKind(rawValue: optimizer) != nil else {
            throw ValidationError("--optimizer must be adamw or adafactor")
        }
        guard ModelTrainingOptions.ScheduleKind(rawValue: schedule) != nil else {
            throw ValidationError("--schedule must be linear or constant")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1") }
    }

    func run() throws {
        AllocatorTuning.retainFreedPages()
        if let threads { BLAS.threads = threads }
        var options = ModelTrainingOptions(steps: steps, batchSize: batchSize, learningRate: lr, seed: seed)
        options.optimizer = ModelTrainingOptions.OptimizerKind(rawValue: optimizer) ?? .adamw
        options.schedule = ModelTrainingOptions.ScheduleKind(rawValue: schedule) ?? .linear
        options.warmupSteps = warmupSteps
        options.weightDecay = weightDecay
        options.maxGradNorm = maxGradNorm
        options.dropout = dropout
        options.threads = threads ?? BLAS.threads
        options.saveEvery = saveEvery
        options.saveDType = bf16 ? .bf16 : .f32
        try options.validate()

        let (t5, tokenizerDirectory) = try loadModel()
        let tokenizer: Tokenizer
        do { tokenizer = try Tokenizer.load(directory: tokenizerDirectory) } catch {
            throw CLIError("cannot load a tokenizer from \(tokenizerDirectory.path): \(error)")
        }
        guard tokenizer.vocabSize <= t5.config.vocabSize else {
            throw CLIError("the tokenizer has \(tokenizer.vocabSize) tokens but the model's vocabulary is \(t5.config.vocabSize)")
        }
        let trainingData = try ModelTrainingData.load(
            URL(fileURLWithPath: data), objective: ModelObjective(rawValue: objective) ?? .seq2seq, tokenizer: tokenizer,
            maxInputLength: maxInputLength, maxTargetLength: maxTargetLength)
        let trainer = try ModelTrainer(model: t5, data: trainingData, options: options)
        let logHandle = try openLog()
        defer { try? logHandle?.close() }
        let output = URL(fileURLWithPath: out)
        let history = try trainer.run(output: output, tokenizerDirectory: tokenizerDirectory) { record in
            if let logHandle, let line = try? JSONOutput.render(record) { logHandle.write(Data((line + "\n").utf8)) }
            if record.step % 10 == 0 || record.step == steps || record.step == 1 {
                let text = String(format: "step %d/%d  loss %.4f  lr %.3g  grad-norm %.3g\n",
                                  record.step, steps, record.loss, record.learningRate, record.gradientNorm)
                FileHandle.standardError.write(Data(text.utf8))
            }
        }
        print(try JSONOutput.render(Summary(steps: history.count, final_loss: history.last?.loss, out: output.path,
                                            parameters: t5.parameterCount)))
    }

    struct Summary: Encodable {
        let steps: Int
        let final_loss: Double?
        let out: String
        let parameters: Int
    }

    /// The starting model and the directory its tokenizer comes from.
    private func loadModel() throws -> (T5Model, URL) {
        if let model {
            let directory = URL(fileURLWithPath: model)
            return (try T5Model.load(directory: directory), tokenizer.map { URL(fileURLWithPath: $0) } ?? directory)
        }
        let path = config ?? ""
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read --config \(path)")
        }
        let t5Config: T5Config
        do { t5Config = try JSONDecoder().decode(T5Config.self, from: bytes) } catch {
            throw CLIError("--config \(path) is not a valid T5 config: \(error)")
        }
        return (try T5Model.initialized(config: t5Config, seed: seed), URL(fileURLWithPath: tokenizer ?? ""))
    }

    private func openLog() throws -> FileHandle? {
        guard let log else { return nil }
        guard FileManager.default.createFile(atPath: log, contents: nil) else { throw CLIError("cannot create --log \(log)") }
        guard let handle = FileHandle(forWritingAtPath: log) else { throw CLIError("cannot open --log \(log)") }
        return handle
    }
}
