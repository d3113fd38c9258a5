// Body of `POST /v1/classify` (and of a classify item in `POST /v1/batch`).

/// A request to rank-classify one input among candidate label strings.
public struct ClassifyRequest: Codable, Hashable, Sendable {
    public var task: String
    public var input: String?
    public var fields: [String: String]?
    /// Candidate verbalizers to score; default: the task's labels.
    public var candidates: [String]?

    public init(task: String, input: String? = nil, fields: [String: String]? = nil, candidates: [String]? = nil) {
        self.task = task
        self.input = input
        self.fields = fields
        self.candidates = candidates
    }
}
