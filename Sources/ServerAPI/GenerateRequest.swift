// Body of `POST /v1/generate` (and of a generate item in `POST /v1/batch`).
// Field names are the wire names of docs/api.md (snake_case); unknown fields are refused (StrictKeys.swift).

/// A request to generate text for one task's input (or for the base model's, when no task is named).
public struct GenerateRequest: Codable, Hashable, Sendable {
    /// Task name from `GET /v1/tasks`; absent: the base model with no prompt (`input` is then the whole text).
    public var task: String?
    /// Raw input text; the task's template formats it. Exactly one of `input` and `fields` is given.
    public var input: String?
    /// Named input fields (e.g. `premise`, `hypothesis`) for tasks whose template has several.
    public var fields: [String: String]?
    /// Most new tokens to generate (default: the task's default).
    public var maxNewTokens: Int?
    /// Beam width; 1 (default) decodes one sequence (greedy, or sampled with `temperature` > 0).
    public var numBeams: Int?
    /// Return the SPE cross-task attention weights of this input (SPE tasks only).
    public var returnAttention: Bool?
    /// 0 or absent: greedy; > 0: sample at this temperature.
    public var temperature: Double?
    /// Sampling keeps only the k most likely tokens (0: all).
    public var topK: Int?
    /// Sampling keeps the most likely tokens up to this probability mass (1: all).
    public var topP: Double?
    /// transformers' repetition penalty (1: off).
    public var repetitionPenalty: Double?
    /// Seed of the sampling draws (0 … 2^63-1); the same seed gives the same output, in any batch.
    public var seed: Int?
    /// Text that ends generation; the output is cut before it (`finish_reason` `stop`).
    public var stop: StopSequences?
    /// Return each token's log-probability and this many most likely alternatives (0 … 20).
    public var logprobs: Int?
    /// Send Server-Sent Events, one per token, then the whole response.
    public var stream: Bool?

    public init(task: String? = nil, input: String? = nil, fields: [String: String]? = nil, maxNewTokens: Int? = nil,
                numBeams: Int? = nil, returnAttention: Bool? = nil, temperature: Double? = nil, topK: Int? = nil,
                topP: Double? = nil, repetitionPenalty: Double? = nil, seed: Int? = nil, stop: [String]? = nil,
                logprobs: Int? = nil, stream: Bool? = nil) {
        self.task = task
        self.input = input
        self.fields = fields
        self.maxNewTokens = maxNewTokens
        self.numBeams = numBeams
        self.returnAttention = returnAttention
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
        self.stop = stop.map(StopSequences.init)
        self.logprobs = logprobs
        self.stream = stream
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case task, input, fields, temperature, seed, stop, logprobs, stream
        case maxNewTokens = "max_new_tokens"
        case numBeams = "num_beams"
        case returnAttention = "return_attention"
        case topK = "top_k"
        case topP = "top_p"
        case repetitionPenalty = "repetition_penalty"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)).union(["type"]))
        try BatchItem.expectType("generate", decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decodeIfPresent(String.self, forKey: .task)
        input = try c.decodeIfPresent(String.self, forKey: .input)
        fields = try c.decodeIfPresent([String: String].self, forKey: .fields)
        maxNewTokens = try c.decodeIfPresent(Int.self, forKey: .maxNewTokens)
        numBeams = try c.decodeIfPresent(Int.self, forKey: .numBeams)
        returnAttention = try c.decodeIfPresent(Bool.self, forKey: .returnAttention)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        topK = try c.decodeIfPresent(Int.self, forKey: .topK)
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        repetitionPenalty = try c.decodeIfPresent(Double.self, forKey: .repetitionPenalty)
        seed = try c.decodeIfPresent(Int.self, forKey: .seed)
        stop = try c.decodeIfPresent(StopSequences.self, forKey: .stop)
        logprobs = try c.decodeIfPresent(Int.self, forKey: .logprobs)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
    }
}
