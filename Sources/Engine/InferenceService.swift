// The seam between the HTTP server and the engine: the server only ever talks to this protocol
// (vLLM's entrypoints → engine client). `Engine` is the real implementation. Task descriptions are ServerAPI's
// `TaskInfo` itself: one type from the registry to the wire.
import ServerAPI

/// Everything the server asks of the engine. All methods are safe to call concurrently.
public protocol InferenceService: Sendable {
    /// Generates for one input; suspends until the request finished, failed or was cancelled.
    /// - Throws: `EngineError`.
    func generate(_ job: GenerateJob) async throws -> GenerateResult
    /// Starts a streamed generation and returns once the request is queued: errors before that (unknown task,
    /// invalid options, a full queue) are thrown here, later ones end the stream. The stream yields tokens as they
    /// are decided, then `.finished`; ending its iteration cancels the request.
    func generateStream(_ job: GenerateJob) async throws -> AsyncThrowingStream<GenerationEvent, any Error>
    /// Ids and vocabulary entries of `text` as the model sees it (`</s>` appended).
    /// - Throws: `EngineError.invalidInput`.
    func tokenize(_ text: String) async throws -> [TokenPiece]
    /// Text of `ids`, special tokens removed.
    /// - Throws: `EngineError.invalidInput` for an id outside the vocabulary.
    func detokenize(_ ids: [Int32]) async throws -> String
    /// Scores every candidate in one batched decoder pass and returns the best.
    /// - Throws: `EngineError`.
    func classify(_ job: ClassifyJob) async throws -> ClassifyResult
    /// Every served task, sorted by name.
    func tasks() async -> [TaskInfo]
    /// - Throws: `EngineError.unknownTask`.
    func task(named name: String) async throws -> TaskInfo
    /// Installs or replaces (hot swap) a task from the files of a task folder or PEFT adapter folder.
    /// - Parameter files: file name → contents, e.g. `task.json`, `prompt.safetensors`.
    /// - Throws: `EngineError.invalidArtifact`, `.invalidTaskName`.
    func installTask(named name: String, files: [String: [UInt8]]) async throws -> TaskInfo
    /// Removes a task; requests already running on it finish with the version they started with.
    /// - Throws: `EngineError.unknownTask`.
    func removeTask(named name: String) async throws
    /// Rescans the tasks directory: adds, replaces and removes what changed on disk in one snapshot swap; broken
    /// entries are skipped and never replace a working version.
    func reloadTasks() async throws -> TaskReloadResult
    /// The loaded albums with the SPE tasks that use each, sorted by name.
    func albums() async -> [AlbumInfo]
    /// Whether the model and tasks are loaded.
    func readiness() async -> Readiness
    /// Whether a task of this name is loaded now (the server labels metrics only with loaded names).
    func isServing(task name: String) async -> Bool
}

extension InferenceService {
    public func isServing(task name: String) async -> Bool { await tasks().contains { $0.name == name } }

    /// Runs the whole generation first, then replays it as a stream (for services without incremental decoding).
    public func generateStream(_ job: GenerateJob) async throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        let result = try await generate(job)
        return AsyncThrowingStream { continuation in
            for token in result.tokens ?? result.ids.map({ GeneratedToken(id: $0, text: "") }) {
                continuation.yield(.token(token))
            }
            continuation.yield(.finished(result))
            continuation.finish()
        }
    }
}
