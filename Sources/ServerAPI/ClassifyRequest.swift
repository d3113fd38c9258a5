// Body of `POST /v1/classify` (and of a classify item in `POST /v1/batch`). Unknown fields are refused.

/// A request to rank-classify one input among candidate label strings.
public struct ClassifyRequest: Codable, Hashable, Sendable {
    /// Task name; absent: the base model with no prompt (then `candidates` are required).
    public var task: String?
    public var input: String?
    public var fields: [String: String]?
    /// Candidate verbalizers to score; default: the task's labels.
    public var candidates: [String]?
    /// Return the SPE cross-task attention weights of this input (SPE tasks only).
    public var returnAttention: Bool?

    public init(task: String? = nil, input: String? = nil, fields: [String: String]? = nil,
                candidates: [String]? = nil, returnAttention: Bool? = nil) {
        self.task = task
        self.input = input
        self.fields = fields
        self.candidates = candidates
        self.returnAttention = returnAttention
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case task, input, fields, candidates
        case returnAttention = "return_attention"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)).union(["type"]))
        try BatchItem.expectType("classify", decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decodeIfPresent(String.self, forKey: .task)
        input = try c.decodeIfPresent(String.self, forKey: .input)
        fields = try c.decodeIfPresent([String: String].self, forKey: .fields)
        candidates = try c.decodeIfPresent([String].self, forKey: .candidates)
        returnAttention = try c.decodeIfPresent(Bool.self, forKey: .returnAttention)
    }
}
