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

/// Result of a generate request.
public struct GenerateResponse: Codable, Hashable, Sendable {
    public var task: String
    /// Version of the task that produced this output (changes when the task is replaced).
    public var taskVersion: String
    /// Decoded text, special tokens removed.
    public var output: String
    /// Generated ids after the decoder start token, `</s>` included when produced.
    public var ids: [Int32]
    /// `"eos"` when `</s>` was produced, `"length"` when `max_new_tokens` ran out.
    public var finishReason: String
    public var usage: Usage
    /// SPE attention weights, when requested.
    public var attention: [AttentionWeight]?

    public init(task: String, taskVersion: String, output: String, ids: [Int32], finishReason: String,
                usage: Usage, attention: [AttentionWeight]? = nil) {
        self.task = task
        self.taskVersion = taskVersion
        self.output = output
        self.ids = ids
        self.finishReason = finishReason
        self.usage = usage
        self.attention = attention
    }

    enum CodingKeys: String, CodingKey {
        case task, output, ids, usage, attention
        case taskVersion = "task_version"
        case finishReason = "finish_reason"
    }
}
