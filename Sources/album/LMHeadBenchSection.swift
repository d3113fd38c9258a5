// `album bench` section: the LM head of one decode step, the path the model runs next to the path a tied head ran
// before (`Matmul.linear` over a transposed (D, V) copy of the embedding, built here temporarily and freed after),
// so both are timed in the same run on the same states.
import Foundation
import Kernels
import T5

struct LMHeadBenchSection: BenchSection {
    let title = "LM head per decode step (tied: row-dot over the embedding vs the former transposed copy)"

    func run(_ context: BenchContext) throws -> [String] {
        let model = context.model, d = model.config.dModel, v = model.config.vocabSize
        let tied = !model.hasSeparateLMHead
        var lines = [
            "- head: \(tied ? "tied to the shared embedding (\(v) × \(d), no copy)" : "separate lm_head.weight (\(d) × \(v))"); "
                + "5 steps per request",
            "", "| path | batch | ms / step | GB/s | ms per request (5 steps) |", "|---|---:|---:|---:|---:|",
        ]
        let copy = tied ? model.embeddingTable.transposed() : nil  // (D, V), the former layout
        let bytes = Double(v * d * 4)
        for batch in [1, 16] {
            var rng = SystemRandomNumberGenerator()
            let h = Tensor(shape: [batch, d], values: (0..<(batch * d)).map { _ in Float.random(in: -1...1, using: &rng) })
            let out = Tensor(zeros: [batch, v])
            let reps = max(3, Int(2e8 / bytes))
            var paths: [(String, () -> Void)] = [(tied ? "row-dot on the embedding" : "lm_head.weight", {
                model.headLogits(h.data, rows: batch, into: out.data)
            })]
            if let copy {
                paths.append(("transposed copy (before)", {
                    Matmul.linear(h.data, rows: batch, weight: copy, into: out.data, alpha: model.headScale)
                }))
            }
            for (name, body) in paths {
                let seconds = BenchTimer.best(repeats: context.repeats) { for _ in 0..<reps { body() } } / Double(reps)
                lines.append("| \(name) | \(batch) | \(BenchTimer.format(seconds * 1e3, 3)) | "
                    + "\(BenchTimer.format(bytes / seconds / 1e9)) | \(BenchTimer.format(5 * seconds * 1e3, 2)) |")
            }
        }
        return lines
    }
}
