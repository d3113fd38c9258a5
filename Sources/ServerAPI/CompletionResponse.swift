// Bodies of `POST /v1/completions` (whole and streamed chunks) and `GET /v1/models`, in OpenAI's shapes.

/// OpenAI's legacy log-probabilities of one choice: parallel lists per token.
public struct CompletionLogprobs: Codable, Hashable, Sendable {
    public var tokens: [String]
    public var tokenLogprobs: [Double]
    /// Per token: the most likely alternatives, text → log-probability.
    public var topLogprobs: [[String: Double]]
    /// Where each token's text starts in the choice's text (in characters).
    public var textOffset: [Int]
    public init(tokens: [String], tokenLogprobs: [Double], topLogprobs: [[String: Double]], textOffset: [Int]) {
        self.tokens = tokens
        self.tokenLogprobs = tokenLogprobs
        self.topLogprobs = topLogprobs
        self.textOffset = textOffset
    }
    enum CodingKeys: String, CodingKey {
        case tokens
        case tokenLogprobs = "token_logprobs"
        case topLogprobs = "top_logprobs"
        case textOffset = "text_offset"
    }
}

/// One choice: the whole text, or a streamed chunk's piece of it.
public struct CompletionChoice: Codable, Hashable, Sendable {
    public var index: Int
    public var text: String
    public var logprobs: CompletionLogprobs?
    /// `stop` (end of sequence or a stop sequence) or `length`; null in chunks before the last.
    public var finishReason: String?
    public init(index: Int, text: String, logprobs: CompletionLogprobs?, finishReason: String?) {
        self.index = index
        self.text = text
        self.logprobs = logprobs
        self.finishReason = finishReason
    }
    enum CodingKeys: String, CodingKey {
        case index, text, logprobs
        case finishReason = "finish_reason"
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(text, forKey: .text)
        try c.encode(logprobs, forKey: .logprobs)  // null, not absent, as OpenAI writes it
        try c.encode(finishReason, forKey: .finishReason)
    }
}

/// OpenAI's token counts.
public struct CompletionUsage: Codable, Hashable, Sendable {
    /// Tokens of the input text (`</s>` included; the task's soft prompt is not counted).
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = promptTokens + completionTokens
    }
    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
    }
}

/// A completion, or one streamed chunk of it (`object` is `text_completion` for both, as OpenAI sends).
public struct CompletionResponse: Codable, Hashable, Sendable {
    public var id: String
    public var object: String
    /// Unix seconds.
    public var created: Int
    public var model: String
    public var choices: [CompletionChoice]
    /// On the whole response; on a stream's usage chunk only.
    public var usage: CompletionUsage?
    public init(id: String, created: Int, model: String, choices: [CompletionChoice], usage: CompletionUsage?) {
        self.id = id
        self.object = "text_completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// One entry of `GET /v1/models`.
public struct ModelCard: Codable, Hashable, Sendable {
    /// A task name, or the base model's name.
    public var id: String
    public var object: String
    public var created: Int
    public var ownedBy: String
    /// The base model every entry runs on.
    public var root: String
    /// The base model for a task; absent for the base model itself.
    public var parent: String?
    public init(id: String, created: Int = 0, root: String, parent: String?) {
        self.id = id
        self.object = "model"
        self.created = created
        self.ownedBy = "album"
        self.root = root
        self.parent = parent
    }
    enum CodingKeys: String, CodingKey {
        case id, object, created, root, parent
        case ownedBy = "owned_by"
    }
}

/// Body of `GET /v1/models`.
public struct ModelList: Codable, Hashable, Sendable {
    public var object: String
    public var data: [ModelCard]
    public init(data: [ModelCard]) {
        self.object = "list"
        self.data = data
    }
}
