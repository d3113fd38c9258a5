// Every way a request to the engine can fail. The server maps each case to one HTTP status and error code
// (Server/EngineError+HTTP.swift); nothing else in the server inspects engine failures.

/// Why the engine could not serve a request.
public enum EngineError: Error, Equatable, CustomStringConvertible, Sendable {
    /// No task with this name is loaded.
    case unknownTask(String)
    /// The request's input does not fit the task (missing or unexpected fields, empty input, ...).
    case invalidInput(String)
    /// A request option has a value the engine does not support (e.g. `num_beams` 0, attention on a static task).
    case unsupportedValue(field: String, reason: String)
    /// The operation does not exist for the task's kind (e.g. generation on an ensemble task, which classifies).
    case unsupportedForTaskKind(task: String, kind: String, operation: String)
    /// The formatted input is longer than the task's or the model's limit and the policy is to reject.
    case inputTooLong(tokens: Int, limit: Int)
    /// The waiting queue is full; retry after the given number of seconds.
    case queueFull(capacity: Int, retryAfterSeconds: Int)
    /// The request's deadline passed before it finished.
    case deadlineExceeded(timeoutMilliseconds: Int)
    /// The client went away and the request was cancelled.
    case cancelled
    /// The engine is draining for shutdown.
    case shuttingDown
    /// An uploaded task artifact or adapter could not be loaded.
    case invalidArtifact(String)
    /// The change would break other tasks (e.g. removing an album that SPE tasks use).
    case conflict(String)
    /// A task name that cannot be used as a folder name.
    case invalidTaskName(String)
    /// The model failed while running a batch (a bug or a resource problem, not the client's fault).
    case internalFailure(String)

    public var description: String {
        switch self {
        case .unknownTask(let name): "unknown task '\(name)'"
        case .invalidInput(let reason): "invalid input: \(reason)"
        case .unsupportedValue(let field, let reason): "unsupported value for '\(field)': \(reason)"
        case .unsupportedForTaskKind(let task, let kind, let operation):
            "task '\(task)' is of kind '\(kind)', which does not support \(operation)"
        case .inputTooLong(let tokens, let limit): "input has \(tokens) tokens, more than the limit of \(limit)"
        case .queueFull(let capacity, _): "the request queue is full (\(capacity) waiting); retry later"
        case .deadlineExceeded(let ms): "the request did not finish within its \(ms) ms deadline"
        case .cancelled: "the request was cancelled"
        case .shuttingDown: "the server is shutting down"
        case .invalidArtifact(let reason): "invalid task artifact: \(reason)"
        case .conflict(let reason): "conflict: \(reason)"
        case .invalidTaskName(let name): "invalid task name '\(name)': use letters, digits, '-', '_' and '.'"
        case .internalFailure(let reason): "internal error: \(reason)"
        }
    }
}
