// `album bench`: a llama-bench style markdown report — BLAS core type and CPU, sgemm GFLOP/s on T5 shapes,
// encoder tokens/s and decode steps/s for several batch sizes — on a t5-small-shaped model with random weights
// built in memory (no download), or on a real checkpoint with --model. Sections live in BenchSection(s).swift.
// `--train` prints the machine and the prompt-tuning section (TrainBenchSection.swift) instead; `--beam-mix` the
// machine and greedy latency next to beam searches through the serving engine (BeamMixBenchSection.swift).
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

    @Option(name: .customLong("prompt-length"), help: "Soft-prompt positions of the SPE, --train and --ensemble workloads (part of --length).")
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

    @Option(help: "Run only these sections (comma-separated keys: machine, gemm, encoder, decoder, request, tokenizer, precision, ...).")
    var sections: String?

    @Option(help: "Linear-layer precision of the benchmarked model: fp32, bf16 or int8.")
    var precision: Precision = .fp32

    @Option(help: "Also compare these precisions side by side (e.g. fp32,bf16,int8): whole requests and agreement with fp32.")
    var precisions: String?

    @Option(name: .long, help: "--train: dropout of the frozen model (Album's training default).")
    var dropout = 0.1

    @Flag(name: .customLong("beam-mix"), help: "Measure greedy request latency (p50/p99) through the serving engine while beam searches run, with searches blocking an iteration (before) and interleaved (now), instead of the other sections.")
    var beamMix = false

    @Option(name: .customLong("beam-mix-interval-ms"), help: "--beam-mix: milliseconds between greedy arrivals.")
    var beamMixIntervalMs = 100

    @Option(name: .customLong("beam-mix-requests"), help: "--beam-mix: greedy requests per run.")
    var beamMixRequests = 100
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
        guard beamMixIntervalMs >= 1, beamMixRequests >= 1 else {
            throw ValidationError("--beam-mix-interval-ms, --beam-mix-requests must be ≥ 1")
        }
        if serving {
            guard model != nil else { throw ValidationError("--serving needs --model DIR (a checkpoint with a tokenizer)") }
            guard Self.parseBatchSizes(concurrency) != nil else { throw ValidationError("--concurrency: comma-separated integers ≥ 1") }
            guard servingSeconds > 0 && servingSeconds <= 600 else { throw ValidationError("--serving-seconds must be in (0, 600]") }
        }
        guard length >= 1, steps >= 1, repeats >= 1 else { throw ValidationError("--length, --steps, --repeats must be ≥ 1") }
        guard tokenizerMegabytes > 0 && tokenizerMegabytes <= 512 else { throw ValidationError("--tokenizer-mb must be in (0, 512]") }
        guard Self.parseBatchSizes(batchSizes) != nil else { throw ValidationError("--batch-sizes: comma-separated integers ≥ 1") }
        if let precisions {
            guard Self.parsePrecisions(precisions) != nil else { throw ValidationError("--precisions: comma-separated fp32, bf16, int8") }
        }
        if train && precision != .fp32 { throw ValidationError("--train needs --precision fp32") }
        guard Self.randomShapes[shape] != nil else {
            throw ValidationError("--shape must be one of \(Self.randomShapes.keys.sorted().joined(separator: ", "))")
        }
    }

    func run() async throws {
        if train { AllocatorTuning.retainFreedPages() }  // as `album train` runs
        if let threads { BLAS.threads = threads }
        let label = model ?? "random \(shape) shape"
        let makeModel: @Sendable () throws -> T5Model = { [model, shape] in
            if let model { return try T5Model.load(directory: URL(fileURLWithPath: model)) }
            return try T5Model.random(config: Self.randomShapes[shape]!, seed: 1)
        }
        // A checkpoint loads as `serve` loads it (each projection converted as it is read: the memory section's
        // peak is serving's); a random model is converted after it is drawn.
        let t5: T5Model
        if let model {
            t5 = try T5Model.load(directory: URL(fileURLWithPath: model), precision: precision)
        } else {
            t5 = try makeModel()
            t5.convert(to: precision)
        }
        KernelThreads.configure(threads: BLAS.threads, precision: precision)
        if precision != .fp32 { AllocatorTuning.releaseFreedPages() }
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
                                   tokenizerMegabytes: tokenizerMegabytes, promptLength: promptLength,
                                   memoryAfterLoad: ResidentMemory.read())
        let only = sections.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }) }
        var sections: [any BenchSection] = (train
            ? [MachineSection(), TrainBenchSection(promptLength: promptLength, targetLength: targetLength,
                                                   batchSizes: Self.parseBatchSizes(trainBatchSizes) ?? [8],
                                                   steps: trainSteps, dropout: dropout)]
            : BenchSections.all + (ensemble.map { [EnsembleBenchSection(members: $0, promptLength: promptLength)] } ?? [])
                + (precisions.flatMap(Self.parsePrecisions).map { [PrecisionSection(precisions: $0, makeModel: makeModel)] } ?? []))
            .filter { only?.contains($0.key) ?? true }
        if beamMix {
            #if ALBUM_SERVER
            sections = [MachineSection(), BeamMixBenchSection(greedyRequests: beamMixRequests,
                                                              greedyInterval: .milliseconds(beamMixIntervalMs))]
            #else
            throw ValidationError("--beam-mix needs the serving engine (this build has ALBUM_MODEL_ONLY set)")
            #endif
        }
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

    static func parsePrecisions(_ text: String) -> [Precision]? {
        let list = text.split(separator: ",").map { Precision(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        return list.isEmpty || list.contains(nil) ? nil : list.compactMap { $0 }
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
