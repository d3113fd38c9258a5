// The one error shape of the API: `{"error": {"code": "...", "message": "..."}}` (Hummingbird's shape plus a
// machine-readable code). `code` values are listed in docs/api.md.

/// Machine-readable error code and human-readable message.
public struct ErrorDetail: Codable, Hashable, Sendable, Error {
    /// Stable code, e.g. `unknown_task`, `input_too_long`, `queue_full`.
    public var code: String
    public var message: String
    /// The request id of the response (also in the `X-Request-ID` header).
    public var requestID: String?

    public init(code: String, message: String, requestID: String? = nil) {
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    enum CodingKeys: String, CodingKey {
        case code, message
        case requestID = "request_id"
    }
}

/// Body of every error response.
public struct ErrorBody: Codable, Hashable, Sendable {
    public var error: ErrorDetail
    public init(error: ErrorDetail) { self.error = error }
}
