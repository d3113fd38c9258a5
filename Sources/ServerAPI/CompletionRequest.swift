// Body of `POST /v1/completions`, OpenAI's legacy completions API as vLLM serves it: `model` names a task (as vLLM
// names an adapter) or the base model. Only what Album implements is accepted; any other field is refused (422).

/// `"prompt": "text"` or `"prompt": ["text", ...]`.
public struct PromptList: Codable, Hashable, Sendable {
    public var values: [String]
    public init(_ values: [String]) { self.values = values }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) { values = [one] } else { values = try container.decode([String].self) }
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }
}

/// `stream_options`.
public struct StreamOptions: Codable, Hashable, Sendable {
    /// Send one more chunk before `[DONE]` with `usage` and no choices.
    public var includeUsage: Bool?
    public init(includeUsage: Bool? = nil) { self.includeUsage = includeUsage }
    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["include_usage"])
        includeUsage = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Bool.self, forKey: .includeUsage)
    }
}

/// An OpenAI completions request.
public struct CompletionRequest: Codable, Hashable, Sendable {
    /// A task name or the base model's name (`GET /v1/models`).
    public var model: String
    public var prompt: PromptList
    /// Most new tokens (default: the task's default).
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    /// vLLM's extensions.
    public var topK: Int?
    public var repetitionPenalty: Double?
    public var seed: Int?
    /// Only 1.
    public var n: Int?
    public var stop: StopSequences?
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    /// Alternatives per token (0 … 20).
    public var logprobs: Int?

    public init(model: String, prompt: [String], maxTokens: Int? = nil, temperature: Double? = nil,
                topP: Double? = nil, topK: Int? = nil, repetitionPenalty: Double? = nil, seed: Int? = nil,
                n: Int? = nil, stop: [String]? = nil, stream: Bool? = nil, streamOptions: StreamOptions? = nil,
                logprobs: Int? = nil) {
        self.model = model
        self.prompt = PromptList(prompt)
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
        self.n = n
        self.stop = stop.map(StopSequences.init)
        self.stream = stream
        self.streamOptions = streamOptions
        self.logprobs = logprobs
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, prompt, temperature, seed, n, stop, stream, logprobs
        case maxTokens = "max_tokens"
        case topP = "top_p"
        case topK = "top_k"
        case repetitionPenalty = "repetition_penalty"
        case streamOptions = "stream_options"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        prompt = try c.decode(PromptList.self, forKey: .prompt)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        topK = try c.decodeIfPresent(Int.self, forKey: .topK)
        repetitionPenalty = try c.decodeIfPresent(Double.self, forKey: .repetitionPenalty)
        seed = try c.decodeIfPresent(Int.self, forKey: .seed)
        n = try c.decodeIfPresent(Int.self, forKey: .n)
        stop = try c.decodeIfPresent(StopSequences.self, forKey: .stop)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try c.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        logprobs = try c.decodeIfPresent(Int.self, forKey: .logprobs)
    }
}
