// The one place where engine failures become HTTP statuses and error codes (design guide: errors map in one file).
import Engine
import HTTPTypes

extension EngineError {
    /// The HTTP form of this error.
    public var apiError: APIError {
        switch self {
        case .unknownTask: APIError(.notFound, code: "unknown_task", message: description)
        case .invalidInput: APIError(.unprocessableContent, code: "invalid_input", message: description)
        case .unsupportedValue: APIError(.unprocessableContent, code: "unsupported_value", message: description)
        case .unsupportedForTaskKind: APIError(.unprocessableContent, code: "unsupported_for_task_kind", message: description)
        case .inputTooLong: APIError(.unprocessableContent, code: "input_too_long", message: description)
        case .queueFull(_, let seconds):
            APIError(.serviceUnavailable, code: "queue_full", message: description,
                     headers: [.retryAfter: String(seconds)])
        case .deadlineExceeded: APIError(.gatewayTimeout, code: "deadline_exceeded", message: description)
        // 499 is nginx's "client closed request"; the client is gone, so this mostly shows up in logs and metrics.
        case .cancelled: APIError(.init(code: 499, reasonPhrase: "Client Closed Request"), code: "cancelled", message: description)
        case .shuttingDown:
            APIError(.serviceUnavailable, code: "shutting_down", message: description, headers: [.retryAfter: "5"])
        case .invalidArtifact: APIError(.unprocessableContent, code: "invalid_artifact", message: description)
        case .conflict: APIError(.conflict, code: "album_in_use", message: description)
        case .invalidTaskName: APIError(.badRequest, code: "invalid_task_name", message: description)
        case .internalFailure: APIError(.internalServerError, code: "internal_error", message: description)
        }
    }
}
