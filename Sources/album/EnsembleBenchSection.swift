// `album bench --ensemble K`: the serving cost of a K-member ensemble task next to one static prompt of the same
// shape, in the same run: rank classification over two 2-token labels (encoder pass over prompt + input, the
// candidates' teacher-forced scoring, the members' combination) per batch of requests. An ensemble request runs K
// encoder rows, so it costs about K single requests; the table says how close to K it comes.
import Foundation
import Kernels
import Prompts
import T5

struct EnsembleBenchSection: BenchSection {
    let members: Int
    /// Soft-prompt positions of every prompt (part of the context's `length`).
    let promptLength: Int
    var title: String { "Rank classification: \(members)-member ensemble vs one static prompt (\(promptLength) prompt + input tokens, 2 labels)" }

    func run(_ context: BenchContext) throws -> [String] {
        let model = context.model, d = model.config.dModel
        let l = min(max(promptLength, 1), max(context.length - 1, 1))
        var generator = SystemRandomNumberGenerator()
        let prompts = (0..<members).map { _ in
            Tensor(shape: [l, d], values: (0..<(l * d)).map { _ in Float.random(in: -0.5...0.5, using: &generator) })
        }
        let candidates: [[Int32]] = [[5, 1], [6, 1]]  // two 2-token labels, `</s>` last
        var lines = ["| prompts | batch | encoder rows | ms / batch | ms / request | requests/s | × single |",
                     "|---:|---:|---:|---:|---:|---:|---:|"]
        for batch in context.batchSizes {
            let inputs = (0..<batch).map { BenchInputs.ids(length: max(context.length - l, 1), seed: $0, model: model) }
            var single = 0.0
            for k in [1, members] {
                let rows = inputs.flatMap { ids in prompts.prefix(k).map { EncoderRow(prompt: $0, tokens: ids) } }
                let seconds = try BenchTimer.best(repeats: context.repeats) {
                    let scores = try model.score(try model.encode(rows: rows).map { ($0, candidates) })
                    for request in 0..<batch {
                        _ = EnsembleCombiner.combine(Array(scores[request * k..<(request + 1) * k]), .vote)
                    }
                }
                if k == 1 { single = seconds }
                lines.append("| \(k) | \(batch) | \(rows.count) | \(BenchTimer.format(seconds * 1e3)) | "
                    + "\(BenchTimer.format(seconds * 1e3 / Double(batch), 2)) | \(BenchTimer.format(Double(batch) / seconds, 2)) | "
                    + "\(BenchTimer.format(seconds / single, 2))× |")
            }
        }
        return lines
    }
}
