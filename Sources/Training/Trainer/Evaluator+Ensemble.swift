// Evaluation of an ensemble task, as the server answers it: every example scored under each of the K member prompts
// (rank classification over the labels), the members combined by `EnsembleCombiner` (vote or sum-logprobs), then
// the metrics of Metrics.swift. The reported loss is the mean of the members' losses.
import Kernels
import Prompts
import T5
import Tokenization

extension Evaluator {
    /// Loss, predictions and metrics of the ensemble `members` (each (l, d)) combined as `combine` on `examples`.
    /// - Throws: `TrainingError.setup` when the evaluator has no labels (ensembles classify).
    public func evaluate(ensemble members: [Tensor], combine: EnsembleCombine,
                         on examples: [EncodedExample]) throws -> Result {
        guard let labels else { throw TrainingError.setup("an ensemble task needs labels to evaluate") }
        let candidates = labels.map { tokenizer.encode($0) }
        var lossSum = 0.0, tokens = 0
        var predictions: [String] = []
        for start in stride(from: 0, to: examples.count, by: batchSize) {
            let batch = Array(examples[start..<min(start + batchSize, examples.count)])
            var memberScores = [[[Double]]](repeating: [], count: batch.count)  // (example, member, candidate)
            let count = batch.reduce(0) { $0 + $1.target.count }
            for prompt in members {
                let rows = batch.map { EncoderRow(prompt: prompt, tokens: $0.input) }
                let training = zip(rows, batch).map { TrainingExample(input: $0, labels: $1.target) }
                lossSum += try model.loss(batch: training) * Double(count) / Double(members.count)
                let scores = try model.score(try model.encode(rows: rows).map { ($0, candidates) })
                for (index, row) in scores.enumerated() { memberScores[index].append(row) }
            }
            tokens += count
            predictions += memberScores.map { labels[EnsembleCombiner.combine($0, combine).best] }
        }
        var metrics = Metrics.all(predictions: predictions, references: examples.map(\.targetText), labels: labels)
        let loss = tokens == 0 ? 0 : lossSum / Double(tokens)
        metrics["loss"] = loss
        return Result(loss: loss, metrics: metrics, predictions: predictions)
    }
}
