// Validation and test evaluation of a prompt on tokenized examples, as Album serves them: the mean token loss
// (no dropout), then predictions by rank classification over the label verbalizers (the most likely label under
// teacher forcing, T5Model.score) or by greedy generation, and the metrics of Metrics.swift against the targets.
import Kernels
import T5
import Tokenization

public struct Evaluator {
    public let model: T5Model
    public let tokenizer: Tokenizer
    /// Label verbalizers for rank classification; nil generates greedily.
    public let labels: [String]?
    public var maxNewTokens = 32
    public var batchSize = 16

    public init(model: T5Model, tokenizer: Tokenizer, labels: [String]?) {
        self.model = model
        self.tokenizer = tokenizer
        self.labels = labels
    }

    public struct Result: Sendable {
        public var loss: Double
        public var metrics: [String: Double]
        public var predictions: [String]
    }

    /// Loss, predictions and metrics of `prompt` on `examples`.
    public func evaluate(_ prompt: any TrainablePrompt, on examples: [EncodedExample]) throws -> Result {
        var lossSum = 0.0, tokens = 0
        var predictions: [String] = []
        let candidates = labels.map { $0.map { tokenizer.encode($0) } }
        for start in stride(from: 0, to: examples.count, by: batchSize) {
            let batch = Array(examples[start..<min(start + batchSize, examples.count)])
            let prompts = try prompt.prompts(for: batch, training: false)
            let rows = zip(prompts, batch).map { EncoderRow(prompt: $0, tokens: $1.input) }
            let training = zip(rows, batch).map { TrainingExample(input: $0, labels: $1.target) }
            let count = batch.reduce(0) { $0 + $1.target.count }
            lossSum += try model.loss(batch: training) * Double(count)
            tokens += count
            let encoded = try model.encode(rows: rows)
            if let candidates, let labels {
                let scores = try model.score(encoded.map { ($0, candidates) })
                predictions += scores.map { row in
                    var best = 0
                    for i in row.indices where row[i] > row[best] { best = i }
                    return labels[best]
                }
            } else {
                predictions += model.greedy(encoded, maxNewTokens: maxNewTokens).map {
                    tokenizer.decode($0, skipSpecialTokens: true)
                }
            }
        }
        var metrics = Metrics.all(predictions: predictions, references: examples.map(\.targetText), labels: labels)
        let loss = tokens == 0 ? 0 : lossSum / Double(tokens)
        metrics["loss"] = loss
        return Result(loss: loss, metrics: metrics, predictions: predictions)
    }
}
