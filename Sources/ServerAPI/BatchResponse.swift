// Body of `POST /v1/batch`: one result per item, in request order. A failed item carries its own error and
// HTTP-equivalent status; the others are unaffected.

/// The outcome of one batch item: exactly one of `generate`, `classify` and `error` is set.
public struct BatchResult: Codable, Hashable, Sendable {
    /// The status the item would have had as a single request (200 on success).
    public var status: Int
    public var generate: GenerateResponse?
    public var classify: ClassifyResponse?
    public var error: ErrorDetail?

    public init(status: Int, generate: GenerateResponse? = nil, classify: ClassifyResponse? = nil,
                error: ErrorDetail? = nil) {
        self.status = status
        self.generate = generate
        self.classify = classify
        self.error = error
    }
}

/// Results of a batch, in the order of `BatchRequest.requests`.
public struct BatchResponse: Codable, Hashable, Sendable {
    public var results: [BatchResult]
    public init(results: [BatchResult]) { self.results = results }
}
