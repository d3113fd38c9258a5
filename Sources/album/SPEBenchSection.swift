// `album bench` section: what SPE prompts cost a request. (a) Building the prompts (max-pool, bottleneck, keys,
// softmax, album product) as a share of a whole request (prompt + input encoder tokens, 5 greedy steps) with an
// album of 8 source prompts and bottleneck 100 (`album train spe`'s default). (b) 16 rows from 16 different tasks
// (SPE tasks on two albums, ATTEMPT mode among them, and static prompts) against 16 rows of one task, same shape:
// the throughput a mixed batch keeps. Albums, modules and tasks are random and built in memory.
import Foundation
import Kernels
import Prompts
import T5

struct SPEBenchSection: BenchSection {
    let sourcePrompts = 8
    let bottleneck = 100
    let steps = 5
    var title: String { "SPE prompts: construction share of a request, and 16 tasks in one batch (album of \(sourcePrompts), r \(bottleneck))" }

    func run(_ context: BenchContext) throws -> [String] {
        let model = context.model, d = model.config.dModel
        let l = min(max(context.promptLength, 1), max(context.length - 1, 1)), n = max(context.length - l, 1)
        var rng = SystemRandomNumberGenerator()
        func tensor(_ shape: [Int], scale: Float) -> Tensor {
            Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -scale...scale, using: &rng) })
        }
        let albums = (0..<2).map { PromptAlbum.inMemory(name: "album\($0)", prompts: tensor([sourcePrompts, l, d], scale: 0.5)) }
        func module(_ album: PromptAlbum, attempt: Bool) -> SPEModule {
            SPEModule(taskPrompt: tensor([l, d], scale: 0.5), down: tensor([bottleneck, d], scale: 0.05),
                      up: tensor([d, bottleneck], scale: 0.05), gamma: Tensor(shape: [d], values: Array(repeating: 1, count: d)),
                      beta: Tensor(zeros: [d]), temperature: 1, layerNormEpsilon: 1e-5, pooling: .max,
                      includeTaskInAttention: attempt, album: album, padEmbedding: Array(repeating: 0, count: d),
                      maxInputTokens: nil)
        }
        let speTasks = (0..<8).map {
            LoadedTask.inMemory(name: "spe\($0)", prompt: .spe(module(albums[$0 % 2], attempt: $0 % 4 == 3)))
        }
        let staticTasks = (0..<8).map { LoadedTask.inMemory(name: "static\($0)", prompt: .fixed(tensor([l, d], scale: 0.5))) }
        let inputs = (0..<16).map { BenchInputs.ids(length: n, seed: $0, model: model) }

        /// One batch as the engine runs it: embed, prompts, encode [P ; E[X]], `steps` greedy steps.
        func request(_ tasks: [LoadedTask]) throws {
            let rows = try zip(tasks, inputs).map { PromptRow(task: $0, input: try model.embed($1)) }
            let prompts = PromptBuilder.prompts(for: rows)
            let encoded = try model.encode(rows: zip(prompts, inputs).map { EncoderRow(prompt: $0.prompt, tokens: $1) })
            let sequences = encoded.map { model.startDecoding($0, maxNewTokens: steps) }
            for _ in 0..<steps { model.decodeStep(sequences, minNewTokens: steps) }
        }
        func promptSeconds(_ tasks: [LoadedTask]) throws -> Double {
            let rows = try zip(tasks, inputs).map { PromptRow(task: $0, input: try model.embed($1)) }
            let reps = 5
            return BenchTimer.best(repeats: context.repeats) { for _ in 0..<reps { _ = PromptBuilder.prompts(for: rows) } }
                / Double(reps)
        }

        var lines = [
            "- \(l) prompt + \(n) input encoder tokens, \(steps) greedy steps; SPE prompts timed alone (rows embedded) "
                + "and inside the whole request",
            "", "| batch | SPE prompts (ms) | whole request (ms) | share |", "|---:|---:|---:|---:|",
        ]
        for batch in [1, 16] {
            let tasks = Array(repeating: speTasks[0], count: batch)
            let prompt = try promptSeconds(tasks)
            let whole = try BenchTimer.best(repeats: context.repeats) { try request(tasks) }
            lines.append("| \(batch) | \(BenchTimer.format(prompt * 1e3, 3)) | \(BenchTimer.format(whole * 1e3)) | "
                + "\(BenchTimer.format(100 * prompt / whole, 2)) % |")
        }
        let mixed = (0..<8).flatMap { [speTasks[$0], staticTasks[$0]] }
        let batches: [(String, [LoadedTask])] = [
            ("1 SPE task", Array(repeating: speTasks[0], count: 16)),
            ("1 static task", Array(repeating: staticTasks[0], count: 16)),
            ("16 tasks: 8 SPE (2 albums, 2 ATTEMPT) + 8 static", mixed),
        ]
        lines += ["", "| batch of 16 | prompts (ms) | ms / batch | requests/s | × throughput of 1 SPE task | × of 1 static task |",
                  "|---|---:|---:|---:|---:|---:|"]
        // The three batches take turns, `repeats` rounds after a warm-up of each, and each keeps its best time:
        // one after the other, a drift of the machine's speed (another process, frequency) showed up as a ±15%
        // "difference" between batches that do the same arithmetic.
        var best = [Double](repeating: .infinity, count: batches.count)
        for (_, tasks) in batches { try request(tasks) }
        for _ in 0..<max(1, context.repeats) {
            for (index, (_, tasks)) in batches.enumerated() {
                let start = ContinuousClock.now
                try request(tasks)
                let elapsed = start.duration(to: .now)
                best[index] = min(best[index], Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            }
        }
        var measured: [(name: String, prompt: Double, seconds: Double)] = []
        for (index, (name, tasks)) in batches.enumerated() {
            measured.append((name, try promptSeconds(tasks), best[index]))
        }
        for row in measured {
            lines.append("| \(row.name) | \(BenchTimer.format(row.prompt * 1e3, 3)) | \(BenchTimer.format(row.seconds * 1e3)) | "
                + "\(BenchTimer.format(16 / row.seconds, 2)) | \(BenchTimer.format(measured[0].seconds / row.seconds, 3)) | "
                + "\(BenchTimer.format(measured[1].seconds / row.seconds, 3)) |")
        }
        return lines
    }
}
