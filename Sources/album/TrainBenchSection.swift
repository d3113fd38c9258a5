// `album bench --train`: prompt-tuning throughput — one step is the recording forward and the backward through the
// frozen T5 (`lossAndGradients`, dropout on) plus an AdamW step on the (l, d) prompt — and peak resident memory per
// batch size (VmHWM, reset before each batch where the kernel allows). The workload of `bench/t5_reference.py --train`.
import Foundation
import Kernels
import T5
import Training

struct TrainBenchSection: BenchSection {
    let title = "Prompt tuning: forward + backward + AdamW on the prompt (same workload as bench/t5_reference.py --train)"
    /// Soft-prompt positions; the input is `context.length − promptLength` tokens.
    let promptLength: Int
    let targetLength: Int
    let batchSizes: [Int]
    /// Timed steps per batch size, after one warm-up step.
    let steps: Int
    let dropout: Double

    func run(_ context: BenchContext) throws -> [String] {
        let model = context.model
        model.setTrainable { _ in false }
        let inputLength = context.length - promptLength
        var lines = [
            "- \(promptLength) prompt + \(inputLength) input positions, \(targetLength) target tokens, dropout \(dropout), "
                + "AdamW (lr 0.3, weight decay 0.01) on the prompt only; median and best of \(steps) step(s) after 1 warm-up",
            "- peak RSS: VmHWM of this process \(PeakMemory.canReset ? "reset before each batch size" : "(not resettable here: cumulative)")",
            "",
            "| batch | ms / step (median) | ms / step (best) | examples/s | peak RSS (MiB) |",
            "|---:|---:|---:|---:|---:|",
        ]
        for batch in batchSizes {
            let (median, best, peak) = try measure(model: model, batch: batch, inputLength: inputLength)
            lines.append("| \(batch) | \(BenchTimer.format(median * 1e3)) | \(BenchTimer.format(best * 1e3)) | "
                + "\(BenchTimer.format(Double(batch) / median, 2)) | \(peak.map { BenchTimer.format($0, 0) } ?? "n/a") |")
        }
        return lines
    }

    /// Median and best seconds per step, and peak RSS in MiB while this batch size ran.
    private func measure(model: T5Model, batch: Int, inputLength: Int) throws -> (Double, Double, Double?) {
        let d = model.config.dModel
        let initial = Tensor(zeros: [promptLength, d])
        for i in 0..<initial.count { initial.data[i] = Float((i * 7919) % 1000) * 1e-3 - 0.5 }
        let prompt = Parameter(name: "prompt", value: initial)
        let optimizer = try AdamW(parameters: [prompt], learningRate: 0.3, weightDecay: 0.01)
        // Every row shares the prompt's storage, so the optimizer's in-place update reaches the next step.
        let examples = (0..<batch).map { row in
            TrainingExample(input: EncoderRow(prompt: prompt.value,
                                              tokens: BenchInputs.ids(length: inputLength, seed: row, model: model)),
                            labels: BenchInputs.ids(length: targetLength, seed: 1000 + row, model: model))
        }
        PeakMemory.reset()
        var times: [Double] = []
        let threads = BLAS.threads  // the shards of a step, as `album train --threads` runs them
        for step in 0...steps {
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try model.lossAndGradients(
                batch: examples, options: TrainingOptions(dropout: dropout, seed: 1, step: UInt32(step)),
                threads: threads)
            let g = prompt.grad.data
            for gradient in result.promptGradients {
                guard let gradient else { continue }
                for i in 0..<prompt.count { g[i] += gradient.data[i] }
            }
            optimizer.step(learningRateFactor: 1)
            optimizer.zeroGrad()
            if step > 0 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        times.sort()
        let median = times.count % 2 == 1
            ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        return (median, times[0], PeakMemory.peakMiB())
    }
}
