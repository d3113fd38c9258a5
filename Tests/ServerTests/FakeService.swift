// A scripted `InferenceService` for route and error-mapping tests: no model, deterministic answers, and inputs
// that trigger each engine error. Engine behaviour itself is tested in EngineTests against the real model.
import Engine
import ServerAPI
import NIOConcurrencyHelpers

final class FakeService: InferenceService {
    private let state = NIOLockedValueBox<[String: TaskInfo]>([
        "rte": TaskInfo(name: "rte", version: "1", method: "album", promptTokens: 4,
                               fields: ["premise", "hypothesis"], labels: ["entailment", "not_entailment"],
                               maxInputTokens: 64, maxNewTokens: 8),
        "echo": TaskInfo(name: "echo", version: "3", method: "peft:PROMPT_TUNING", promptTokens: 2,
                                fields: ["input"], labels: nil, maxInputTokens: 64, maxNewTokens: 8),
    ])
    let ready: Bool
    init(ready: Bool = true) { self.ready = ready }

    /// Inputs that make the fake fail the way the engine would.
    static func scriptedError(_ text: String?) -> EngineError? {
        switch text {
        case "too long": .inputTooLong(tokens: 100, limit: 64)
        case "queue full": .queueFull(capacity: 4, retryAfterSeconds: 2)
        case "slow": .deadlineExceeded(timeoutMilliseconds: 50)
        case "boom": .internalFailure("scripted failure")
        default: nil
        }
    }

    private func lookup(_ name: String) throws -> TaskInfo {
        guard let task = state.withLockedValue({ $0[name] }) else { throw EngineError.unknownTask(name) }
        return task
    }

    /// The base model, for requests that name no task.
    static let base = TaskInfo(name: "fake", version: "0", method: "base", promptTokens: 0, fields: ["input"],
                               labels: nil, maxInputTokens: 64, maxNewTokens: 8)

    private func lookup(_ name: String?) throws -> TaskInfo {
        guard let name else { return Self.base }
        return try lookup(name) as TaskInfo
    }

    func generate(_ job: GenerateJob) async throws -> GenerateResult {
        let task = try lookup(job.task)
        if let error = Self.scriptedError(job.input.text) { throw error }
        if let beams = job.numBeams, beams < 1 { throw EngineError.unsupportedValue(field: "num_beams", reason: "must be ≥ 1") }
        let text = job.input.text ?? job.input.fields?.sorted { $0.key < $1.key }.map(\.value).joined(separator: " ") ?? ""
        let ids = text.utf8.prefix(job.maxNewTokens ?? task.maxNewTokens).map { Int32($0) }
        let tokens = job.logprobs.map { top in
            ids.map { GeneratedToken(id: $0, text: String(UnicodeScalar(UInt8($0))), logProb: -1,
                                     top: (0..<top).map { TokenAlternative(id: Int32($0), text: "t\($0)", logProb: -2 - Double($0)) }) }
        }
        return GenerateResult(task: job.task == nil ? nil : task.name, taskVersion: task.version,
                              text: String(decoding: ids.map { UInt8($0) }, as: UTF8.self),
                              ids: ids, finishReason: .length, inputTokens: text.utf8.count + 1,
                              promptTokens: task.promptTokens, tokens: tokens,
                              seed: (job.temperature ?? 0) > 0 ? job.seed ?? 7 : nil)
    }

    func classify(_ job: ClassifyJob) async throws -> ClassifyResult {
        let task = try lookup(job.task)
        if let error = Self.scriptedError(job.input.text) { throw error }
        guard let candidates = job.candidates ?? task.labels else { throw EngineError.invalidInput("no labels") }
        let scores = candidates.enumerated().map { CandidateScore(candidate: $1, logProb: -Double($0) - 0.5) }
        return ClassifyResult(task: job.task == nil ? nil : task.name, taskVersion: task.version, label: candidates[0],
                              scores: scores)
    }

    func tokenize(_ text: String) async throws -> [TokenPiece] {
        text.utf8.map { TokenPiece(id: Int32($0), piece: String(UnicodeScalar($0))) } + [TokenPiece(id: 1, piece: "</s>")]
    }

    func detokenize(_ ids: [Int32]) async throws -> String {
        guard ids.allSatisfy({ (0..<128).contains($0) }) else { throw EngineError.invalidInput("id outside the vocabulary") }
        return String(decoding: ids.filter { $0 > 1 }.map { UInt8($0) }, as: UTF8.self)
    }

    func tasks() async -> [TaskInfo] { state.withLockedValue { $0.values.sorted { $0.name < $1.name } } }

    func task(named name: String) async throws -> TaskInfo { try lookup(name) }

    func installTask(named name: String, files: [String: [UInt8]]) async throws -> TaskInfo {
        guard files["task.json"] != nil else { throw EngineError.invalidArtifact("task.json is missing") }
        return state.withLockedValue { tasks in
            let version = (tasks[name].flatMap { Int($0.version) } ?? 0) + 1
            let task = TaskInfo(name: name, version: String(version), method: "album", promptTokens: files.count,
                                       fields: ["input"], labels: nil, maxInputTokens: 64, maxNewTokens: 8)
            tasks[name] = task
            return task
        }
    }

    func removeTask(named name: String) async throws {
        _ = try lookup(name)
        state.withLockedValue { $0[name] = nil }
    }

    /// Reports one scripted change, so the route's wiring and access rules can be checked without a directory.
    func reloadTasks() async throws -> TaskReloadResult {
        TaskReloadResult(added: ["fresh"], replaced: [], removed: [], skipped: [.init(entry: "broken", error: "scripted")],
                         generation: 2)
    }

    func albums() async -> [AlbumInfo] { [] }

    func readiness() async -> Readiness { Readiness(isReady: ready, model: "fake", tasks: state.withLockedValue { $0.count }) }
}
