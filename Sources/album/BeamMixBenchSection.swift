// `album bench --beam-mix`: the latency of greedy requests while beam searches run, through the real engine (the
// server's batching loop, no HTTP). An open-loop stream of greedy requests (5 new tokens each, one every
// `greedyInterval`) runs next to closed-loop clients that each send one 4-beam, 20-token search after another; the
// table gives greedy p50/p99 with beam searches run to their end inside one iteration (the old engine) and with
// their rows in the shared decode steps.
#if ALBUM_SERVER
import Engine
import Foundation
import Prompts
import Scheduling
import T5

struct BeamMixBenchSection: BenchSection {
    var greedyRequests = 100
    var greedyInterval: Duration = .milliseconds(100)
    var greedyTokens = 5
    var beamClients = 2
    var numBeams = 4
    var beamTokens = 20
    var maxBatchRows = 16

    var title: String {
        "Greedy latency next to beam searches: \(greedyRequests) greedy requests (\(greedyTokens) tokens, one every "
            + "\(Int(greedyInterval.milliseconds.rounded())) ms), \(beamClients) clients sending \(numBeams)-beam \(beamTokens)-token searches"
    }

    func run(_ context: BenchContext) throws -> [String] {
        var lines = ["| beam search | greedy p50 ms | greedy p99 ms | greedy max ms | beam searches | beam p50 ms | wall s |",
                     "|---|---:|---:|---:|---:|---:|---:|"]
        for blocking in [true, false] {
            let result = try measure(context, blocking: blocking)
            let greedy = result.greedy.sorted(), beams = result.beams.sorted()
            lines.append("| \(blocking ? "one iteration (before)" : "rows in decode steps") | "
                + "\(BenchTimer.format(Self.percentile(greedy, 0.5))) | \(BenchTimer.format(Self.percentile(greedy, 0.99))) | "
                + "\(BenchTimer.format(greedy.last ?? 0)) | \(beams.count) | \(BenchTimer.format(Self.percentile(beams, 0.5))) | "
                + "\(BenchTimer.format(result.wall, 2)) |")
        }
        return lines
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }

    private struct Measurement: Sendable {
        var greedy: [Double] = []
        var beams: [Double] = []
        var wall = 0.0
    }

    /// One run on a fresh engine; latencies in ms.
    private func measure(_ context: BenchContext, blocking: Bool) throws -> Measurement {
        let model = context.model, d = model.config.dModel
        let tasks = FileManager.default.temporaryDirectory.appendingPathComponent("album-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tasks, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tasks) }
        let registry = try TaskRegistry(directory: tasks, model: BaseModelInfo(
            dModel: d, fingerprint: "bench", padEmbedding: [Float](repeating: 0, count: d)))
        var configuration = EngineConfiguration(policy: BatchPolicy(maxQueueSize: 1024, maxBatchRows: maxBatchRows),
                                                maxInputTokens: max(context.length, 1), defaultTimeout: .seconds(600))
        configuration.blockingBeamSearch = blocking
        let engine = Engine(backend: T5Backend(model: model, name: context.modelLabel), codec: IDListCodec(),
                            registry: registry, configuration: configuration)
        engine.start()
        // Distinct inputs of `context.length` tokens (`</s>` is appended by the codec); the searches use the upper half.
        let inputs = (0..<512).map { seed in
            TaskInput(text: BenchInputs.ids(length: context.length, seed: seed, model: model).dropLast()
                .map(String.init).joined(separator: " "))
        }
        let (greedyRequests, greedyInterval, greedyTokens) = (self.greedyRequests, self.greedyInterval, self.greedyTokens)
        let (beamClients, numBeams, beamTokens) = (self.beamClients, self.numBeams, self.beamTokens)
        let done = DispatchSemaphore(value: 0)
        let outcome = LockedBox<Result<Measurement, any Error>>(.success(Measurement()))
        Task.detached {
            do {
                let start = ContinuousClock.now
                var measurement = try await withThrowingTaskGroup(of: (greedy: Double?, beams: [Double]).self) { group in
                    let stop = LockedBox(false)
                    for client in 0..<beamClients {
                        group.addTask {
                            var latencies: [Double] = []
                            var round = 0
                            while !stop.value {
                                let job = GenerateJob(task: nil, input: inputs[256 + (client * 64 + round) % 256],
                                                      maxNewTokens: beamTokens, numBeams: numBeams)
                                let sent = ContinuousClock.now
                                _ = try await engine.generate(job)
                                latencies.append((ContinuousClock.now - sent).milliseconds)
                                round += 1
                            }
                            return (nil, latencies)
                        }
                    }
                    for index in 0..<greedyRequests {
                        try await Task.sleep(until: start.advanced(by: greedyInterval * index), clock: .continuous)
                        group.addTask {
                            let sent = ContinuousClock.now
                            _ = try await engine.generate(GenerateJob(task: nil, input: inputs[index % 256], maxNewTokens: greedyTokens))
                            return ((ContinuousClock.now - sent).milliseconds, [])
                        }
                    }
                    var result = Measurement(), greedyDone = 0
                    for try await (greedy, beams) in group {
                        if let greedy {
                            result.greedy.append(greedy)
                            greedyDone += 1
                            if greedyDone == greedyRequests { stop.value = true }
                        }
                        result.beams += beams
                    }
                    return result
                }
                measurement.wall = (ContinuousClock.now - start).milliseconds / 1000
                outcome.value = .success(measurement)
            } catch {
                outcome.value = .failure(error)
            }
            await engine.shutdown()
            done.signal()
        }
        done.wait()
        return try outcome.value.get()
    }
}

/// Text ↔ ids for the benchmark's engine: the text is the ids in decimal, separated by spaces.
private struct IDListCodec: TextCodec {
    func encode(_ text: String) throws -> [Int32] { text.split(separator: " ").compactMap { Int32($0) } + [1] }
    func decode(_ ids: [Int32]) -> String { ids.map(String.init).joined(separator: " ") }
    var eosID: Int32 { 1 }
}

/// A value shared between the benchmark's tasks.
private final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

extension Duration {
    /// This duration in milliseconds.
    fileprivate var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) * 1e-15
    }
}
#endif
