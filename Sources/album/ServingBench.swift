// `album bench --serving`: the serving engine in a closed loop without HTTP (C clients, each sending its next
// request when the last one answered), next to the model alone on the same batch: the engine-side baseline the
// HTTP load tester (loadtest/, `--concurrency`) is compared with in docs/benchmarks.md. Every request is the same
// text of exactly `--length` tokens (`</s>` included) generating `--steps` greedy tokens on the base model.
#if ALBUM_SERVER
import Engine
import Foundation
import Kernels
import Prompts
import Scheduling
import T5
import Tokenization

struct ServingBench {
    let concurrencies: [Int]
    let workers: Int
    let threads: Int
    let seconds: Double
    let length: Int
    let steps: Int
    let repeats: Int

    /// The report's lines (a markdown table).
    func run(model: T5Model, directory: URL) async throws -> [String] {
        let tokenizer: Tokenizer
        do { tokenizer = try Tokenizer.load(directory: directory) } catch {
            throw CLIError("--serving needs a tokenizer in \(directory.path) (docs/benchmarks.md says how to make one): \(error)")
        }
        let codec = TokenizerCodec(tokenizer: tokenizer)
        let text = try Self.text(ofLength: length, codec: codec)
        let plan = try ServeOptions.threadPlan(threads: threads, workers: workers)
        BLAS.threads = plan.openBLAS
        var lines = [
            "input: \"one\" × \(length - 1) + </s> = \(length) tokens; \(steps) greedy tokens; \(workers) worker(s) × "
                + "\(plan.perWorker) thread(s), OpenBLAS \(plan.openBLAS) thread(s); \(seconds) s per row",
            "",
            "| concurrency | engine req/s | p50 ms | p99 ms | model alone, one batch of C: req/s | engine / model |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for concurrency in concurrencies {
            let engine = try makeEngine(model: model, directory: directory, codec: codec, rows: max(16, concurrency))
            engine.start()
            let loop = try await closedLoop(engine: engine, text: text, concurrency: concurrency)
            await engine.shutdown()
            // The model alone runs one batch on one thread of control: comparable with one worker only.
            var alone = "—", ratio = "—"
            if workers == 1 {
                let rate = try modelRate(model: model, codec: codec, text: text, batch: concurrency)
                (alone, ratio) = (BenchTimer.format(rate, 2), BenchTimer.format(loop.rate / rate, 2))
            }
            lines.append("| \(concurrency) | \(BenchTimer.format(loop.rate, 2)) | \(BenchTimer.format(loop.p50 * 1e3)) | "
                + "\(BenchTimer.format(loop.p99 * 1e3)) | \(alone) | \(ratio) |")
            if loop.shortest < steps {
                lines.append("note: a request ended after \(loop.shortest) tokens (end of sequence): rates are not comparable")
            }
        }
        return lines
    }

    /// `"one one … one"`, checked to tokenize to exactly `length` ids.
    static func text(ofLength length: Int, codec: some TextCodec) throws -> String {
        let text = Array(repeating: "one", count: max(length - 1, 0)).joined(separator: " ")
        let count = try codec.encode(text).count
        guard count == length else { throw CLIError("\"one\" × \(length - 1) tokenizes to \(count) ids, not \(length)") }
        return text
    }

    private func makeEngine(model: T5Model, directory: URL, codec: TokenizerCodec, rows: Int) throws -> Engine<T5Backend> {
        let tasks = FileManager.default.temporaryDirectory.appendingPathComponent("album-serving-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tasks, withIntermediateDirectories: true)
        let registry = try TaskRegistry(directory: tasks, model: try BaseModelInfo(checkpoint: directory),
                                        limits: ArtifactLimits())
        let plan = try ServeOptions.threadPlan(threads: threads, workers: workers)
        let configuration = EngineConfiguration(
            policy: BatchPolicy(maxQueueSize: 4096, maxBatchRows: rows, maxBatchTokens: 1 << 20),
            workers: workers, threadsPerWorker: plan.perWorker)
        return Engine(backend: T5Backend(model: model, name: directory.lastPathComponent), codec: codec,
                      registry: registry, configuration: configuration)
    }

    /// C clients for `seconds` (after one warm-up request each): completed requests per second and latencies.
    private func closedLoop(engine: Engine<T5Backend>, text: String,
                            concurrency: Int) async throws -> (rate: Double, p50: Double, p99: Double, shortest: Int) {
        let job = GenerateJob(task: nil, input: TaskInput(text: text), maxNewTokens: steps)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency { group.addTask { _ = try await engine.generate(job) } }
            try await group.waitForAll()
        }
        let clock = ContinuousClock()
        let start = clock.now
        let end = start.advanced(by: .milliseconds(Int(seconds * 1000)))
        let samples = try await withThrowingTaskGroup(of: [(Double, Int)].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var out: [(Double, Int)] = []
                    while clock.now < end {
                        let sent = clock.now
                        let result = try await engine.generate(job)
                        out.append((Self.seconds(sent.duration(to: clock.now)), result.ids.count))
                    }
                    return out
                }
            }
            var all: [(Double, Int)] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = Self.seconds(start.duration(to: clock.now))
        let latencies = samples.map(\.0).sorted()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, max(0, Int((p * Double(latencies.count)).rounded(.up)) - 1))]
        }
        return (Double(samples.count) / elapsed, percentile(0.5), percentile(0.99), samples.map(\.1).min() ?? 0)
    }

    /// The model alone: one batch of `batch` rows encoded, then `steps` decode steps (as RequestSection), best of
    /// `repeats`; requests per second.
    private func modelRate(model: T5Model, codec: TokenizerCodec, text: String, batch: Int) throws -> Double {
        let ids = try codec.encode(text)
        let rows = (0..<batch).map { _ in EncoderRow(prompt: nil, tokens: ids) }
        let seconds = try BenchTimer.best(repeats: repeats) {
            let encoded = try model.encode(rows: rows)
            let sequences = encoded.map { model.startDecoding($0, maxNewTokens: steps) }
            for _ in 0..<steps { model.decodeStep(sequences, minNewTokens: steps) }
        }
        return Double(batch) / seconds
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
}
#endif
