// `album bench`: a llama-bench style markdown report — BLAS core type and CPU, sgemm GFLOP/s on T5 shapes,
// encoder tokens/s and decode steps/s for several batch sizes — on a t5-small-shaped model with random weights
// built in memory (no download), or on a real checkpoint with --model. Sections live in BenchSection(s).swift.
// `--train` prints the machine and the prompt-tuning section (TrainBenchSection.swift) instead.
import ArgumentParser
import Foundation
import Kernels
import Prompts
import T5

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run benchmarks and print a table.",
        discussion: "Build with -c release for meaningful numbers. Random weights take the t5-small shape by default.")

    @Option(name: .long, help: "Checkpoint directory to benchmark instead of a random t5-small-shaped model.")
    var model: String?

    @Option(name: .long, help: "Shape of the random model: t5-small, t5-base, flan-t5-small, flan-t5-base.")
    var shape = "t5-small"

    @Option(name: .long, help: "Encoder tokens per request (prompt + input).")
    var length = 228

    @Option(name: .customLong("batch-sizes"), help: "Comma-separated batch sizes.")
    var batchSizes = "1,4,16"

    @Option(name: .long, help: "Decode steps per measurement.")
    var steps = 16

    @Option(name: .long, help: "Best-of-N repetitions.")
    var repeats = 3

    @Option(name: .long, help: "OpenBLAS threads per call.")
    var threads: Int?

    @Option(name: .customLong("tokenizer-mb"), help: "Size of the tokenizer benchmark's text in MB.")
    var tokenizerMegabytes: Double = 2

    @Flag(name: .long, help: "Benchmark prompt tuning (forward + backward + AdamW) instead of inference.")
    var train = false

    @Option(name: .customLong("prompt-length"), help: "--train, --ensemble: soft-prompt positions (part of --length).")
    var promptLength = 100

    @Option(name: .customLong("target-length"), help: "--train: target tokens per example.")
    var targetLength = 4

    @Option(name: .customLong("train-batch-sizes"), help: "--train: comma-separated batch sizes.")
    var trainBatchSizes = "8,32"

    @Option(name: .customLong("train-steps"), help: "--train: timed steps per batch size (after one warm-up).")
    var trainSteps = 3

    @Flag(name: .long, help: "Print one JSON object (every section's notes and table rows) instead of markdown.")
    var json = false

    @Option(name: .long, help: "Also measure rank classification of a K-member ensemble task next to one static prompt (K ≥ 2; uses --prompt-length).")
    var ensemble: Int?

    @Option(name: .long, help: "--train: dropout of the frozen model (Album's training default).")
    var dropout = 0.1

    @Flag(name: .long, help: "Run the serving engine in a closed loop (no HTTP) next to the model alone; needs --model with a tokenizer. Uses --length, --steps, --threads.")
    var serving = false

    @Option(name: .long, help: "--serving: comma-separated client counts (requests in flight).")
    var concurrency = "1,2,4,8"

    @Option(name: .long, help: "--serving: model threads of the engine (as album serve --workers).")
    var workers = 1

    @Option(name: .customLong("serving-seconds"), help: "--serving: seconds per concurrency.")
    var servingSeconds = 5.0

    func validate() throws {
        if train {
            guard promptLength >= 0, length - promptLength >= 1 else {
                throw ValidationError("--prompt-length must be in [0, --length)")
            }
            guard targetLength >= 1, trainSteps >= 1 else { throw ValidationError("--target-length, --train-steps must be ≥ 1") }
            guard dropout >= 0 && dropout < 1 else { throw ValidationError("--dropout must be in [0, 1)") }
            guard Self.parseBatchSizes(trainBatchSizes) != nil else {
                throw ValidationError("--train-batch-sizes: comma-separated integers ≥ 1")
            }
        }
        if let ensemble {
            guard (2...ArtifactLimits.defaultMaxEnsembleMembers).contains(ensemble) else {
                throw ValidationError("--ensemble must be between 2 and \(ArtifactLimits.defaultMaxEnsembleMembers)")
            }
            guard promptLength >= 1, length - promptLength >= 1 else { throw ValidationError("--prompt-length must be in [1, --length)") }
        }
        if serving {
            guard model != nil else { throw ValidationError("--serving needs --model DIR (a checkpoint with a tokenizer)") }
            guard Self.parseBatchSizes(concurrency) != nil else { throw ValidationError("--concurrency: comma-separated integers ≥ 1") }
            guard servingSeconds > 0 && servingSeconds <= 600 else { throw ValidationError("--serving-seconds must be in (0, 600]") }
        }
        guard length >= 1, steps >= 1, repeats >= 1 else { throw ValidationError("--length, --steps, --repeats must be ≥ 1") }
        guard tokenizerMegabytes > 0 && tokenizerMegabytes <= 512 else { throw ValidationError("--tokenizer-mb must be in (0, 512]") }
        guard Self.parseBatchSizes(batchSizes) != nil else { throw ValidationError("--batch-sizes: comma-separated integers ≥ 1") }
        guard Self.randomShapes[shape] != nil else {
            throw ValidationError("--shape must be one of \(Self.randomShapes.keys.sorted().joined(separator: ", "))")
        }
    }

    func run() async throws {
        if train { AllocatorTuning.retainFreedPages() }  // as `album train` runs
        if let threads { BLAS.threads = threads }
        let t5: T5Model, label: String
        if let model {
            t5 = try T5Model.load(directory: URL(fileURLWithPath: model))
            label = model
        } else {
            t5 = try T5Model.random(config: Self.randomShapes[shape]!, seed: 1)
            label = "random \(shape) shape"
        }
        if serving, let model {
            #if ALBUM_SERVER
            let bench = ServingBench(concurrencies: Self.parseBatchSizes(concurrency)!, workers: workers,
                                     threads: threads ?? BLAS.threads, seconds: servingSeconds, length: length,
                                     steps: steps, repeats: repeats)
            let lines = try await bench.run(model: t5, directory: URL(fileURLWithPath: model))
            print("# album bench --serving\n\n- Model: \(label), BLAS \(BLAS.coreName)\n")
            print("## Engine closed loop (no HTTP) vs the model alone\n")
            print(lines.joined(separator: "\n"))
            return
            #else
            throw CLIError("--serving needs the server build (this album was built with ALBUM_MODEL_ONLY=1)")
            #endif
        }
        let context = BenchContext(model: t5, modelLabel: label, modelDirectory: model.map { URL(fileURLWithPath: $0) },
                                   length: length,
                                   batchSizes: Self.parseBatchSizes(batchSizes)!, steps: steps, repeats: repeats,
                                   tokenizerMegabytes: tokenizerMegabytes)
        let sections: [any BenchSection] = train
            ? [MachineSection(), TrainBenchSection(promptLength: promptLength, targetLength: targetLength,
                                                   batchSizes: Self.parseBatchSizes(trainBatchSizes) ?? [8],
                                                   steps: trainSteps, dropout: dropout)]
            : BenchSections.all + (ensemble.map { [EnsembleBenchSection(members: $0, promptLength: promptLength)] } ?? [])
        if json {
            let report = try sections.map { (title: $0.title, lines: try $0.run(context)) }
            let data = try JSONSerialization.data(withJSONObject: BenchJSON.document(report),
                                                  options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("# album bench\n")
        for section in sections {
            print("## \(section.title)\n")
            print(try section.run(context).joined(separator: "\n"))
            print("")
        }
    }

    static func parseBatchSizes(_ text: String) -> [Int]? {
        let sizes = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return sizes.isEmpty || sizes.contains { $0 < 1 } ? nil : sizes
    }

    /// HF configs of the public checkpoints (shapes only).
    static let randomShapes: [String: T5Config] = {
        func config(d: Int, dkv: Int, heads: Int, ff: Int, layers: Int, proj: String, tied: Bool) -> T5Config {
            var c = T5Config()
            (c.dModel, c.dKV, c.numHeads, c.dFF, c.numLayers, c.numDecoderLayers) = (d, dkv, heads, ff, layers, layers)
            c.feedForwardProj = proj
            c.tieWordEmbeddings = tied
            return c
        }
        return [
            "t5-small": config(d: 512, dkv: 64, heads: 8, ff: 2048, layers: 6, proj: "relu", tied: true),
            "t5-base": config(d: 768, dkv: 64, heads: 12, ff: 3072, layers: 12, proj: "relu", tied: true),
            "flan-t5-small": config(d: 512, dkv: 64, heads: 6, ff: 1024, layers: 8, proj: "gated-gelu", tied: false),
            "flan-t5-base": config(d: 768, dkv: 64, heads: 12, ff: 2048, layers: 12, proj: "gated-gelu", tied: false),
        ]
    }()
}
