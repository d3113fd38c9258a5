// Builds engines over the committed tiny T5 and task fixtures (Tests/Fixtures/prompts: static, PEFT, T5X and SPE
// tasks made by PyTorch/PEFT). Each engine gets its own copy of the tasks directory, since the registry writes to it.
import Engine
import Foundation
import Prompts
import Scheduling

/// Repository root: three levels up from this file.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let fixtureModel = repositoryRoot.appendingPathComponent("Tests/Fixtures/prompts/model")
let fixtureTasks = repositoryRoot.appendingPathComponent("Tests/Fixtures/prompts/tasks")

/// A reversible toy codec for the 64-token fixture model: one id per UTF-8 byte (2 + byte mod 62), then `</s>` = 1.
/// Tokenizer parity is tested in TokenizationTests; here ids only need to be deterministic.
struct ToyCodec: TextCodec {
    func encode(_ text: String) throws -> [Int32] { text.utf8.map { Int32(2 + Int($0) % 62) } + [1] }
    func decode(_ ids: [Int32]) -> String { ids.filter { $0 > 1 }.map { String($0) }.joined(separator: " ") }
    var eosID: Int32 { 1 }
}

let demoModel = repositoryRoot.appendingPathComponent("models/default")
let demoTasks = repositoryRoot.appendingPathComponent("models/tasks")

/// A fresh engine (started) over a private copy of a tasks directory: by default the tiny fixture T5 with the
/// fixture tasks and `ToyCodec`; with `demo: true` the bundled demo model, its real tokenizer and the demo tasks.
/// `gate` lets the test run the model thread one iteration at a time; `clock` replaces the engine's time;
/// `workers` > 1 runs that many model threads (one thread of budget each).
func makeEngine(rows: Int, queue: Int = 256, maxWait: Duration = .milliseconds(2),
                overflow: OverflowPolicy = .reject, timeout: Duration = .seconds(600),
                start: Bool = true, demo: Bool = false, gate: IterationGate? = nil,
                clock: ManualClock? = nil, workers: Int = 1) throws -> Engine<T5Backend> {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("album-engine-tests-\(UUID().uuidString)")
    try FileManager.default.copyItem(at: demo ? demoTasks : fixtureTasks, to: directory)
    let now: @Sendable () -> ContinuousClock.Instant
    if let clock { now = { clock.now() } } else { now = { ContinuousClock.now } }
    let engine = try EngineLoader.load(
        modelDirectory: demo ? demoModel : fixtureModel, tasksDirectory: directory, codec: demo ? nil : ToyCodec(),
        configuration: EngineConfiguration(
            policy: BatchPolicy(maxQueueSize: queue, maxBatchRows: rows, maxBatchTokens: 4096, maxWait: maxWait),
            maxInputTokens: demo ? 512 : 64, overflow: overflow, defaultTimeout: timeout,
            clock: now, iterationGate: gate, workers: workers, threadsPerWorker: workers > 1 ? 1 : nil))
    if start { engine.start() }
    return engine
}

/// Files of a fixture task folder, as an upload would carry them.
func fixtureFiles(_ task: String) throws -> [String: [UInt8]] {
    let folder = fixtureTasks.appendingPathComponent(task)
    var files: [String: [UInt8]] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name != "README.md" {
        files[name] = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }
    return files
}

/// Deterministic pseudo-random generator (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1330_11EB
        return z ^ (z >> 31)
    }
}

/// A random lowercase word of 1...maxLength letters.
func word(_ rng: inout SplitMix, maxLength: Int) -> String {
    let n = 1 + Int(rng.next() % UInt64(maxLength))
    return String((0..<n).map { _ in Character(UnicodeScalar(UInt8(97 + rng.next() % 26))) })
}

/// Relative closeness for log-probabilities: |a - b| ≤ tol · max(1, |b|).
func close(_ a: Double, _ b: Double, tolerance: Double) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

/// Time that moves only when the test says so.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private let start = ContinuousClock.now
    private var elapsed: Duration = .zero

    func now() -> ContinuousClock.Instant { lock.withLock { start.advanced(by: elapsed) } }
    func advance(by duration: Duration) { lock.withLock { elapsed += duration } }
}

/// A wait that did not end in time.
struct WaitTimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Waits (polling every millisecond, at most `timeout`) until `condition` holds: explicit synchronisation for the
/// things the engine exposes no event for, never a fixed sleep that orders work.
func waitUntil(_ what: String, timeout: Duration = .seconds(300), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(1))
    }
}

/// The value of `task`, or `WaitTimedOut` after `timeout`: a broken engine that never answers fails the test
/// instead of hanging the suite.
func within<T: Sendable>(_ task: Task<T, any Error>, timeout: Duration = .seconds(300)) async throws -> T {
    let once = ResumeOnce<T>()
    return try await withCheckedThrowingContinuation { continuation in
        once.set(continuation)
        Task { once.resume(await task.result) }
        Task {
            try? await Task.sleep(for: timeout)
            once.resume(.failure(WaitTimedOut(what: "a request's answer")))
        }
    }
}

/// Resumes a continuation with the first result it is given.
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?

    func set(_ continuation: CheckedContinuation<T, any Error>) { lock.withLock { self.continuation = continuation } }
    func resume(_ result: Result<T, any Error>) {
        let pending = lock.withLock { () -> CheckedContinuation<T, any Error>? in
            defer { continuation = nil }
            return continuation
        }
        pending?.resume(with: result)
    }
}
