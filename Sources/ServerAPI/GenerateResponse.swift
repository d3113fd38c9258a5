// Body of a successful `POST /v1/generate` (and of a generate result in `POST /v1/batch`).

/// Token counts of one request.
public struct Usage: Codable, Hashable, Sendable {
    /// Tokens of the formatted input, `</s>` included.
    public var inputTokens: Int
    /// Soft-prompt rows prepended to the input in the encoder.
    public var promptTokens: Int
    /// Generated tokens (`ids.count`).
    public var outputTokens: Int

    public init(inputTokens: Int, promptTokens: Int, outputTokens: Int) {
        self.inputTokens = inputTokens
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case promptTokens = "prompt_tokens"
        case outputTokens = "output_tokens"
    }
}

/// One SPE attention weight: how much an album prompt contributed to this input's instance prompt.
public struct AttentionWeight: Codable, Hashable, Sendable {
    public var source: String
    public var weight: Double
    public init(source: String, weight: Double) {
        self.source = source
        self.weight = weight
    }
}

/// A likely token at one position, with its log-probability under the model.
public struct TokenLogprob: Codable, Hashable, Sendable {
    public var id: Int32
    public var text: String
    public var logprob: Double
    public init(id: Int32, text: String, logprob: Double) {
        self.id = id
        self.text = text
        self.logprob = logprob
    }
}

/// One generated token: its id, what it adds to the output, and (when asked for, or streamed) its log-probability
/// under the model and the most likely alternatives.
public struct GeneratedTokenInfo: Codable, Hashable, Sendable {
    public var id: Int32
    public var text: String
    public var logprob: Double?
    public var topLogprobs: [TokenLogprob]?
    public init(id: Int32, text: String, logprob: Double? = nil, topLogprobs: [TokenLogprob]? = nil) {
        self.id = id
        self.text = text
        self.logprob = logprob
        self.topLogprobs = topLogprobs
    }

    enum CodingKeys: String, CodingKey {
        case id, text, logprob
        case topLogprobs = "top_logprobs"
    }
}

/// Result of a generate request.
public struct GenerateResponse: Codable, Hashable, Sendable {
    /// The task; absent when the base model ran without one.
    public var task: String?
    /// Version of the task that produced this output (changes when the task is replaced).
    public var taskVersion: String
    /// Decoded text, special tokens removed.
    public var output: String
    /// Generated ids after the decoder start token, `</s>` included when produced.
    public var ids: [Int32]
    /// `"eos"` when `</s>` was produced, `"length"` when `max_new_tokens` ran out, `"stop"` when a stop sequence
    /// appeared.
    public var finishReason: String
    public var usage: Usage
    /// SPE attention weights, when requested.
    public var attention: [AttentionWeight]?
    /// One entry per id, when `logprobs` was given.
    public var tokens: [GeneratedTokenInfo]?
    /// The seed of the sampling draws, when the request sampled (give it back to reproduce the output).
    public var seed: UInt64?

    public init(task: String?, taskVersion: String, output: String, ids: [Int32], finishReason: String,
                usage: Usage, attention: [AttentionWeight]? = nil, tokens: [GeneratedTokenInfo]? = nil,
                seed: UInt64? = nil) {
        self.task = task
        self.taskVersion = taskVersion
        self.output = output
        self.ids = ids
        self.finishReason = finishReason
        self.usage = usage
        self.attention = attention
        self.tokens = tokens
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case task, output, ids, usage, attention, tokens, seed
        case taskVersion = "task_version"
        case finishReason = "finish_reason"
    }
}

/// Data of a `token` event of a streamed `POST /v1/generate`.
public struct GenerateStreamToken: Codable, Hashable, Sendable {
    public var token: GeneratedTokenInfo
    public init(token: GeneratedTokenInfo) { self.token = token }
}
