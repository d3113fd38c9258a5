// `album eval --model DIR --tasks DIR --task NAME --data test.jsonl [--json]`: a served task's metrics on a labelled
// file (accuracy, F1, MCC, Pearson/Spearman, exact match; Training.Metrics), by rank classification when the task
// has labels, else greedy generation; prompts are built exactly as serving builds them (an ensemble task: every
// member scored, combined as the server combines them).
import ArgumentParser
import Foundation
import Kernels
import Prompts
import SafeTensors
import T5
import Tokenization
import Training

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Evaluate a task on labelled data.")

    @Option(name: .long, help: "Checkpoint directory.") var model: String = "models/default"
    @Option(name: .long, help: "Tasks directory.") var tasks: String
    @Option(name: .long, help: "Task name.") var task: String
    @Option(name: .long, help: "Labelled data (JSON lines or .tsv with --tsv-text/--tsv-label).") var data: String
    @Option(name: .customLong("tsv-text")) var tsvText: String = "sentence"
    @Option(name: .customLong("tsv-label")) var tsvLabel: String = "label"
    @Option(name: .customLong("max-new-tokens"), help: "Generation length for tasks without labels.") var maxNewTokens: Int = 32
    @Flag(name: .long, help: "Print the metrics as JSON.") var json = false
    @Option(help: "Linear-layer precision, as `album serve --precision`: fp32, bf16 or int8.") var precision: Precision = .fp32
    @Option(help: "Also write each example's prediction (label or generated text), one JSON string per line, to this file (to compare precisions example by example).")
    var predictions: String?

    func run() async throws {
        let directory = URL(fileURLWithPath: model)
        let t5 = try T5Model.load(directory: directory, precision: precision)
        let tokenizer = try Tokenizer.load(directory: directory)
        let registry = try TaskRegistry(directory: URL(fileURLWithPath: tasks), model: BaseModelInfo(checkpoint: directory))
        guard let loaded = registry.snapshot().task(named: task) else { throw CLIError("no task '\(task)' in \(tasks)") }
        let url = URL(fileURLWithPath: data)
        let dataset = data.hasSuffix(".tsv")
            ? try Dataset.tsv(url, columns: loaded.template.fields == ["input"] ? .text(tsvText, label: tsvLabel)
                                                                                 : .fields(tsvText.split(separator: ",").map(String.init), label: tsvLabel))
            : try Dataset.jsonLines(url)
        let encoder = ExampleEncoder(tokenizer: tokenizer, template: loaded.template, labels: loaded.labels,
                                     maxSourceLength: loaded.maxInputTokens ?? 512)
        var evaluator = Evaluator(model: t5, tokenizer: tokenizer, labels: loaded.labels)
        evaluator.maxNewTokens = maxNewTokens
        let examples = try encoder.encode(dataset)
        let result: Evaluator.Result
        if case .ensemble(let members, let combine) = loaded.prompt {
            result = try evaluator.evaluate(ensemble: members, combine: combine, on: examples)
        } else {
            result = try evaluator.evaluate(ServedPrompt(task: loaded, model: t5), on: examples)
        }
        var metrics = result.metrics
        metrics["examples"] = Double(dataset.count)
        if let predictions {
            let lines = try result.predictions.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: URL(fileURLWithPath: predictions))
        }
        let attention = try Self.meanAttention(of: loaded, model: t5, inputs: try encoder.encode(dataset).map(\.input))
        if json {
            print(try JSONOutput.render(EvalOutput(metrics: metrics, attention: attention)))
        } else {
            for (name, value) in metrics.sorted(by: { $0.key < $1.key }) { print("\(name)\t\(String(format: "%.6f", value))") }
            for (source, weight) in attention ?? [] { print("attention[\(source)]\t\(String(format: "%.6f", weight))") }
        }
    }

    /// An SPE task's attention weights averaged over the data (album entries in order, then `task` in ATTEMPT mode);
    /// nil for tasks without attention.
    static func meanAttention(of task: LoadedTask, model: T5Model, inputs: [[Int32]]) throws -> [(String, Double)]? {
        guard case .spe(let module) = task.prompt, !inputs.isEmpty else { return nil }
        var sums = [Double](repeating: 0, count: module.candidateCount)
        for start in stride(from: 0, to: inputs.count, by: 64) {
            let group = try inputs[start..<min(start + 64, inputs.count)].map { try model.embed($0) }  // [(n_b, d)]
            for weights in module.instancePrompts(group).weights {
                for (j, w) in weights.enumerated() { sums[j] += Double(w) }
            }
        }
        return sums.enumerated().map { (module.album.candidateLabel($0.offset), $0.element / Double(inputs.count)) }
    }
}

/// `album eval --json`: the metrics at the top level, plus `attention` ({entry: mean weight}) for SPE tasks.
private struct EvalOutput: Encodable {
    let metrics: [String: Double]
    let attention: [(String, Double)]?

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, value) in metrics { try container.encode(value, forKey: Key(stringValue: name)) }
        if let attention {
            var nested = container.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "attention"))
            for (source, weight) in attention { try nested.encode(weight, forKey: Key(stringValue: source)) }
        }
    }
}
