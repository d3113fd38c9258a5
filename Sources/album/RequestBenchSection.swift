// `album bench` section: whole requests, the workload bench/t5_reference.py runs on HF PyTorch and CTranslate2
// (encoder over `length` tokens, then exactly 5 greedy steps), so the three engines compare row for row.
import Foundation
import T5

struct RequestSection: BenchSection {
    let title = "Whole requests: encode + 5 greedy steps (same workload as bench/t5_reference.py)"
    let steps = 5

    func run(_ context: BenchContext) throws -> [String] {
        let model = context.model
        var lines = ["| batch | tokens in | ms / batch | ms / sequence | sequences/s |", "|---:|---:|---:|---:|---:|"]
        for batch in Set(context.batchSizes + [1, 8]).sorted() {
            let rows = BenchInputs.rows(batch: batch, context: context)
            let seconds = try BenchTimer.best(repeats: context.repeats) {
                // Embedding lookup is part of a request, so it is timed too.
                let encoded = try model.encode(rows: rows)
                let sequences = encoded.map { model.startDecoding($0, maxNewTokens: steps) }
                for _ in 0..<steps { model.decodeStep(sequences, minNewTokens: steps) }
            }
            lines.append("| \(batch) | \(context.length) | \(BenchTimer.format(seconds * 1e3)) | "
                + "\(BenchTimer.format(seconds * 1e3 / Double(batch))) | \(BenchTimer.format(Double(batch) / seconds, 2)) |")
        }
        return lines
    }
}
