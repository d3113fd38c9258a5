// Options shared by `album train prompt|source|spe|ipt-subspace|ipt`: model, data (JSON lines or GLUE TSV), output, template and
// labels (or a task.json to take them from), and the run's hyper-parameters (Training.TrainingConfiguration).
import ArgumentParser
import Foundation
import Kernels
import Prompts
import T5
import Tokenization
import Training

struct TrainOptions: ParsableArguments {
    @Option(name: .long, help: "Checkpoint directory (with its tokenizer).") var model: String
    @Option(name: .long, help: "Training data: JSON lines (input/target or fields/label) or a GLUE .tsv; `train spe` takes NAME=PATH repeated for several targets.")
    var data: [String]
    @Option(name: .long, help: "Validation data (same formats).") var validation: String?
    @Option(name: .long, help: "Output task directory.") var out: String
    @Option(name: .long, help: "Task name in task.json (default: the --out folder name).") var name: String?
    @Option(name: .long, help: "Input template with {field} placeholders (default {input}).") var template: String?
    @Option(name: .long, help: "Comma-separated label verbalizers; class ids 0,1,… in the data map to them.") var labels: String?
    @Option(name: .customLong("task-json"), help: "Take template, labels and limits from this task.json.") var taskJSON: String?
    @Option(name: .customLong("target-task-json"), help: "Several targets: NAME=FILE takes that target's template and labels from a task.json.")
    var targetTaskJSON: [String] = []
    @Option(name: .customLong("tsv-text"), help: "TSV: the input column, or comma-separated field columns.") var tsvText: String = "sentence"
    @Option(name: .customLong("tsv-label"), help: "TSV: the label column.") var tsvLabel: String = "label"
    @Option(name: .customLong("prompt-length"), help: "Prompt rows l.") var promptLength: Int = 8
    @Option(name: .long, help: "adamw | adafactor | sgd.") var optimizer: String = "adamw"
    @Option(name: .long, help: "Learning rate (default 0.3; train ipt-subspace 1e-3, train ipt 0.05).") var lr: Double?
    @Option(name: .long, help: "Warmup steps.") var warmup: Int = 0
    @Option(name: .long, help: "linear | constant.") var schedule: String = "linear"
    @Option(name: .customLong("weight-decay"), help: "Weight decay.") var weightDecay: Double = 1e-5
    @Option(name: .long, help: "Gradient-norm clip (0 = off).") var clip: Double = 1.0
    @Option(name: .customLong("batch-size"), help: "Examples per step.") var batchSize: Int = 8
    @Option(name: .long, help: "Optimizer steps (overrides --epochs).") var steps: Int?
    @Option(name: .long, help: "Epochs (when --steps is not given).") var epochs: Int = 1
    @Option(name: .long, help: "Seed of init, shuffling and dropout.") var seed: UInt64 = 0
    @Flag(name: .customLong("no-shuffle"), help: "Read the data in file order.") var noShuffle = false
    @Option(name: .long, help: "Dropout in the frozen T5 while training.") var dropout: Double = 0.1
    @Option(name: .customLong("eval-every"), help: "Validate every N steps (and at the end).") var evalEvery: Int = 0
    @Option(name: .customLong("checkpoint-every"), help: "Checkpoint every N steps (and at the end, and on Ctrl-C).") var checkpointEvery: Int = 100
    @Option(name: .customLong("max-source-length"), help: "Truncate inputs to this many tokens.") var maxSourceLength: Int = 256
    @Flag(name: .long, help: "Continue from the checkpoint in OUT/checkpoints.") var resume = false
    @Option(name: .long, help: """
        Threads (default: OpenBLAS's, the core count): each step's batch runs as this many shards side by side, \
        with single-threaded GEMMs; evaluation uses them as OpenBLAS threads.
        """) var threads: Int?
    @Option(name: .long, help: "JSON lines log file.") var log: String?
    @Flag(name: .long, help: "No progress output.") var quiet = false

    var outURL: URL { URL(fileURLWithPath: out) }

    /// The targets of --data: (name, path) for each NAME=PATH, or one (nil, path).
    func targets() throws -> [(name: String?, path: String)] {
        guard !data.isEmpty else { throw ValidationError("--data is required") }
        let targets = data.map { item -> (name: String?, path: String) in
            guard let equals = item.firstIndex(of: "="), !FileManager.default.fileExists(atPath: item) else { return (nil, item) }
            return (String(item[..<equals]), String(item[item.index(after: equals)...]))
        }
        if targets.count > 1 && targets.contains(where: { $0.name == nil }) {
            throw ValidationError("several --data need NAME=PATH each")
        }
        return targets
    }
    var checkpointDirectory: URL { outURL.appendingPathComponent("checkpoints") }

    /// - Parameter defaultLearningRate: the command's learning rate when --lr is not given.
    func configuration(defaultLearningRate: Double = 0.3) throws -> TrainingConfiguration {
        var c = TrainingConfiguration()
        guard let optimizer = TrainingConfiguration.OptimizerKind(rawValue: optimizer) else {
            throw ValidationError("--optimizer must be adamw, adafactor or sgd")
        }
        guard let schedule = TrainingConfiguration.ScheduleKind(rawValue: schedule) else {
            throw ValidationError("--schedule must be linear or constant")
        }
        c.optimizer = optimizer
        c.schedule = schedule
        c.learningRate = lr ?? defaultLearningRate
        c.warmupSteps = warmup
        c.weightDecay = weightDecay
        c.clip = clip
        c.batchSize = batchSize
        c.steps = steps
        c.epochs = epochs
        c.seed = seed
        c.shuffle = !noShuffle
        c.dropout = dropout
        c.evalEvery = evalEvery
        c.checkpointEvery = checkpointEvery
        c.maxSourceLength = maxSourceLength
        try c.validate()
        guard promptLength >= 1 else { throw ValidationError("--prompt-length must be ≥ 1") }
        return c
    }

    /// The base manifest (template, labels, limits, decoding) from --task-json, then --template/--labels.
    func baseManifest(target: String? = nil) throws -> TaskManifest {
        var manifest = TaskManifest(kind: .staticPrompt)
        let perTarget = target.flatMap { name in
            targetTaskJSON.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        if let taskJSON = perTarget ?? taskJSON {
            let url = URL(fileURLWithPath: taskJSON)
            let data: Data
            do { data = try Data(contentsOf: url) } catch { throw CLIError("cannot read \(taskJSON): \(error.localizedDescription)") }
            let source = try TaskManifest.decode(data, path: taskJSON)
            manifest.template = source.template
            manifest.labels = source.labels
            manifest.decoding = source.decoding
            manifest.maxInputTokens = source.maxInputTokens
            manifest.description = source.description
        }
        if let template, perTarget == nil { manifest.template = template }
        if let labels, perTarget == nil { manifest.labels = labels.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        manifest.name = name ?? outURL.lastPathComponent
        manifest.promptLength = promptLength
        if let limit = manifest.maxInputTokens { manifest.maxInputTokens = max(limit, 1) }
        if manifest.labels != nil && manifest.decoding == nil { manifest.decoding = DecodingDefaults(mode: .rank, maxNewTokens: 8) }
        return manifest
    }

    /// Reads a dataset file by its extension.
    func dataset(_ path: String) throws -> Dataset {
        let url = URL(fileURLWithPath: path)
        if path.hasSuffix(".tsv") {
            let columns = tsvText.split(separator: ",").map(String.init)
            return try Dataset.tsv(url, columns: columns.count == 1 && template == nil && taskJSON == nil
                                   ? .text(columns[0], label: tsvLabel) : .fields(columns, label: tsvLabel))
        }
        return try Dataset.jsonLines(url)
    }

    /// "sha256:<hex>" of a file's bytes.
    static func hash(of path: String) -> String? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return nil }
        var hasher = SHA256()
        hasher.update(Array(data))
        return "sha256:" + hasher.finalizeHex()
    }
}
