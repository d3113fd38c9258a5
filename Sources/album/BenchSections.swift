// Built-in sections of `album bench`: the machine line, sgemm/sgemv GFLOP/s on T5 shapes, encoder tokens/s and
// decode steps/s per batch size (performance notes §1.2, §1.3, §3 give the reference numbers for this box).
import CKernels
import Foundation
import Kernels
import T5

struct MachineSection: BenchSection {
    let title = "Machine"
    func run(_ context: BenchContext) throws -> [String] {
        let c = context.model.config
        return [
            "- BLAS: \(BLAS.coreName) (core type: \(BLAS.coreTypeSource)), \(BLAS.threads) thread(s); \(BLAS.config)",
            "- CPU features: \(String(cString: album_cpu_features())), \(ProcessInfo.processInfo.activeProcessorCount) cores",
            "- Model: \(context.modelLabel): d_model \(c.dModel), inner \(c.innerDim), d_ff \(c.dFF), "
                + "layers \(c.numLayers)/\(c.numDecoderLayers), vocab \(c.vocabSize), \(context.model.parameterCount) parameters",
            "- Precision: \(context.model.precision) linear layers (\(context.model.projectionBytes / 1_000_000) MB)",
            "- Workload: \(context.length) encoder tokens per request, \(context.steps) decode steps, best of \(context.repeats)",
        ]
    }
}

struct GemmSection: BenchSection {
    let title = "Linear layers on T5 shapes (row-major, weights pre-transposed (K, N); fp32 M = 1 uses sgemv)"
    func run(_ context: BenchContext) throws -> [String] {
        let d = context.model.config.dModel, f = context.model.config.dFF, inner = context.model.config.innerDim
        let l = context.length, v = context.model.config.vocabSize
        // Every weight is (K, N), as the model stores it (the LM head included).
        let shapes: [(String, Int, Int, Int)] = [
            ("fused QKV", l, d, 3 * inner), ("FFN in", l, d, f), ("FFN out", l, f, d),
            ("FFN in, 4 requests packed", 4 * l, d, f), ("decode FFN in, B=1", 1, d, f),
            ("decode FFN in, B=8", 8, d, f), ("LM head, B=1", 1, d, v), ("LM head, B=16", 16, d, v),
        ]
        var lines = ["| shape | M × K × N | fp32 ms | fp32 GFLOP/s | bf16 GFLOP/s | int8 GOP/s (quantize + dequantize in) |",
                     "|---|---|---:|---:|---:|---:|"]
        for (name, m, k, n) in shapes {
            let a = Tensor(zeros: [m, k]), out = Tensor(zeros: [m, n])
            let b = Tensor(zeros: [k, n])
            for i in 0..<a.count { a.data[i] = Float(i % 7) * 0.01 }
            for i in 0..<b.count { b.data[i] = Float(i % 5) * 0.01 }
            let flops = 2.0 * Double(m * k * n)
            let reps = max(2, min(200, Int(5e8 / flops)))
            let seconds = BenchTimer.best(repeats: context.repeats) {
                for _ in 0..<reps { Matmul.linear(a.data, rows: m, weight: b, into: out.data) }
            } / Double(reps)
            let bf16 = BF16Weight(rounding: b), int8 = Int8Weight(quantizing: b)
            let bf16Seconds = BenchTimer.best(repeats: context.repeats) {
                for _ in 0..<reps { bf16.linear(a.data, rows: m, into: out.data) }
            } / Double(reps)
            let int8Seconds = BenchTimer.best(repeats: context.repeats) {
                for _ in 0..<reps { int8.linear(a.data, rows: m, into: out.data) }
            } / Double(reps)
            lines.append("| \(name) | \(m) × \(k) × \(n) | \(BenchTimer.format(seconds * 1e3, 3)) | "
                + "\(BenchTimer.format(flops / seconds / 1e9)) | \(BenchTimer.format(flops / bf16Seconds / 1e9)) | "
                + "\(BenchTimer.format(flops / int8Seconds / 1e9)) |")
        }
        return lines
    }
}

struct EncoderSection: BenchSection {
    let title = "Encoder (packed batch, cross-attention K/V included)"
    func run(_ context: BenchContext) throws -> [String] {
        let model = context.model
        var lines = ["| batch | tokens | ms / batch | tokens/s | requests/s |", "|---:|---:|---:|---:|---:|"]
        for batch in context.batchSizes {
            let rows = BenchInputs.rows(batch: batch, context: context)
            let seconds = try BenchTimer.best(repeats: context.repeats) { _ = try model.encode(rows: rows) }
            let tokens = batch * context.length
            lines.append("| \(batch) | \(tokens) | \(BenchTimer.format(seconds * 1e3)) | "
                + "\(BenchTimer.format(Double(tokens) / seconds, 0)) | \(BenchTimer.format(Double(batch) / seconds, 2)) |")
        }
        return lines
    }
}

struct DecoderSection: BenchSection {
    let title = "Greedy decode steps (KV cache, cross K/V cached, EOS suppressed so every row runs every step)"
    func run(_ context: BenchContext) throws -> [String] {
        let model = context.model
        var lines = ["| batch | ms / step | steps/s | tokens/s |", "|---:|---:|---:|---:|"]
        for batch in context.batchSizes {
            let encoded = try model.encode(rows: BenchInputs.rows(batch: batch, context: context))
            let seconds = BenchTimer.best(repeats: context.repeats) {
                let sequences = encoded.map { model.startDecoding($0, maxNewTokens: context.steps) }
                for _ in 0..<context.steps { model.decodeStep(sequences, minNewTokens: context.steps) }
            } / Double(context.steps)
            lines.append("| \(batch) | \(BenchTimer.format(seconds * 1e3, 2)) | \(BenchTimer.format(1 / seconds)) | "
                + "\(BenchTimer.format(Double(batch) / seconds)) |")
        }
        return lines
    }
}

enum BenchInputs {
    /// Deterministic token ids (not pad/EOS) ending in EOS.
    static func ids(length: Int, seed: Int, model: T5Model) -> [Int32] {
        let vocab = model.config.vocabSize
        return (0..<length).map { i in i == length - 1 ? 1 : Int32(2 + (i * 7919 + seed * 104_729) % (vocab - 2)) }
    }

    /// Encoder inputs of one benchmark batch: `batch` rows of `context.length` tokens, no prompt.
    static func rows(batch: Int, context: BenchContext) -> [EncoderRow] {
        (0..<batch).map { EncoderRow(prompt: nil, tokens: ids(length: context.length, seed: $0, model: context.model)) }
    }
}
