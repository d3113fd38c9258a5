// Body of `POST /v1/generate` (and of a generate item in `POST /v1/batch`).
// Field names are the wire names of docs/api.md (snake_case).

/// A request to generate text for one task's input.
public struct GenerateRequest: Codable, Hashable, Sendable {
    /// Task name from `GET /v1/tasks`.
    public var task: String
    /// Raw input text; the task's template formats it. Exactly one of `input` and `fields` is given.
    public var input: String?
    /// Named input fields (e.g. `premise`, `hypothesis`) for tasks whose template has several.
    public var fields: [String: String]?
    /// Most new tokens to generate (default: the task's default).
    public var maxNewTokens: Int?
    /// Beam width; 1 (default) is greedy decoding.
    public var numBeams: Int?
    /// Return the SPE cross-task attention weights of this input (SPE tasks only).
    public var returnAttention: Bool?

    public init(task: String, input: String? = nil, fields: [String: String]? = nil, maxNewTokens: Int? = nil,
                numBeams: Int? = nil, returnAttention: Bool? = nil) {
        self.task = task
        self.input = input
        self.fields = fields
        self.maxNewTokens = maxNewTokens
        self.numBeams = numBeams
        self.returnAttention = returnAttention
    }

    enum CodingKeys: String, CodingKey {
        case task, input, fields
        case maxNewTokens = "max_new_tokens"
        case numBeams = "num_beams"
        case returnAttention = "return_attention"
    }
}
