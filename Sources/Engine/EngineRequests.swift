// The engine's request and result values (no HTTP, no JSON): what `InferenceService` takes and returns.
// ServerAPI's wire types map onto these one to one in the server's controllers.
import T5

/// A task input: plain text for `{input}` templates, or named fields.
public struct TaskInput: Hashable, Sendable {
    public var text: String?
    public var fields: [String: String]?
    public init(text: String? = nil, fields: [String: String]? = nil) {
        self.text = text
        self.fields = fields
    }
}

/// A generation request.
public struct GenerateJob: Hashable, Sendable {
    /// The task; nil runs the base model with no prompt.
    public var task: String?
    public var input: TaskInput
    /// `nil`: the task's default.
    public var maxNewTokens: Int?
    /// `nil` or 1: one sequence (greedy or sampled).
    public var numBeams: Int?
    public var returnAttention: Bool
    /// `nil` or 0: greedy; > 0: sampling at this temperature.
    public var temperature: Double?
    /// Sampling keeps the k most likely tokens (`nil` or 0: all).
    public var topK: Int?
    /// Sampling keeps the most likely tokens up to this probability mass (`nil` or 1: all).
    public var topP: Double?
    /// transformers' repetition penalty (`nil` or 1: off).
    public var repetitionPenalty: Double?
    /// Key of the sampling draws; `nil`: a random one (returned in the result).
    public var seed: UInt64?
    /// Text that ends generation; the output is cut before the first one.
    public var stop: [String]
    /// Return each token's log-probability with this many alternatives (`nil`: none).
    public var logprobs: Int?
    /// `nil`: the engine's default request timeout.
    public var timeout: Duration?
    /// Time the request spent before reaching the engine (reading and decoding it); the deadline is that much nearer.
    public var elapsed: Duration = .zero

    public init(task: String?, input: TaskInput, maxNewTokens: Int? = nil, numBeams: Int? = nil,
                returnAttention: Bool = false, temperature: Double? = nil, topK: Int? = nil, topP: Double? = nil,
                repetitionPenalty: Double? = nil, seed: UInt64? = nil, stop: [String] = [], logprobs: Int? = nil,
                timeout: Duration? = nil) {
        self.task = task
        self.input = input
        self.maxNewTokens = maxNewTokens
        self.numBeams = numBeams
        self.returnAttention = returnAttention
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
        self.stop = stop
        self.logprobs = logprobs
        self.timeout = timeout
    }
}

/// One generated token as a client sees it.
public struct GeneratedToken: Hashable, Sendable {
    public var id: Int32
    /// What the token adds to the output text (empty for `</s>`, and after a stop sequence began).
    public var text: String
    /// Its log-probability under the model, when log-probabilities were asked for (or streamed).
    public var logProb: Double?
    /// The most likely tokens at this position, best first, when asked for.
    public var top: [TokenAlternative]?
    public init(id: Int32, text: String, logProb: Double? = nil, top: [TokenAlternative]? = nil) {
        self.id = id
        self.text = text
        self.logProb = logProb
        self.top = top
    }
}

/// A likely token at one position.
public struct TokenAlternative: Hashable, Sendable {
    public var id: Int32
    public var text: String
    public var logProb: Double
    public init(id: Int32, text: String, logProb: Double) {
        self.id = id
        self.text = text
        self.logProb = logProb
    }
}

/// What a streamed generation reports.
public enum GenerationEvent: Hashable, Sendable {
    /// The next token (a stream holds back tokens whose text could begin a stop sequence until that is decided).
    case token(GeneratedToken)
    /// The whole result; always the last event.
    case finished(GenerateResult)
}

/// Why generation stopped: the model's own `T5.FinishReason`, under the engine's name for its clients.
public typealias FinishReason = T5.FinishReason

/// Result of a generation request.
public struct GenerateResult: Hashable, Sendable {
    /// nil when the base model ran without a task.
    public var task: String?
    public var taskVersion: String
    public var text: String
    /// Generated ids after the decoder start token, `</s>` included when produced.
    public var ids: [Int32]
    public var finishReason: FinishReason
    /// Formatted input tokens (`</s>` included).
    public var inputTokens: Int
    /// Soft-prompt rows.
    public var promptTokens: Int
    /// SPE attention weights `(album entry, weight)`, when requested.
    public var attention: [AttentionEntry]?
    /// One entry per id, when log-probabilities were asked for.
    public var tokens: [GeneratedToken]?
    /// The seed of the sampling draws, when the request sampled.
    public var seed: UInt64?

    public init(task: String?, taskVersion: String, text: String, ids: [Int32], finishReason: FinishReason,
                inputTokens: Int, promptTokens: Int, attention: [AttentionEntry]? = nil,
                tokens: [GeneratedToken]? = nil, seed: UInt64? = nil) {
        self.task = task
        self.taskVersion = taskVersion
        self.text = text
        self.ids = ids
        self.finishReason = finishReason
        self.inputTokens = inputTokens
        self.promptTokens = promptTokens
        self.attention = attention
        self.tokens = tokens
        self.seed = seed
    }
}

/// One SPE attention weight.
public struct AttentionEntry: Hashable, Sendable {
    public var source: String
    public var weight: Double
    public init(source: String, weight: Double) {
        self.source = source
        self.weight = weight
    }
}

/// A rank-classification request.
public struct ClassifyJob: Hashable, Sendable {
    /// The task; nil scores with the base model and no prompt (then `candidates` are required).
    public var task: String?
    public var input: TaskInput
    /// `nil`: the task's labels.
    public var candidates: [String]?
    /// Return the SPE attention weights of this input (SPE tasks only).
    public var returnAttention: Bool
    public var timeout: Duration?
    /// Time the request spent before reaching the engine (reading and decoding it); the deadline is that much nearer.
    public var elapsed: Duration = .zero

    public init(task: String?, input: TaskInput, candidates: [String]? = nil, returnAttention: Bool = false,
                timeout: Duration? = nil) {
        self.task = task
        self.input = input
        self.candidates = candidates
        self.returnAttention = returnAttention
        self.timeout = timeout
    }
}

/// Result of rank classification.
public struct ClassifyResult: Hashable, Sendable {
    /// nil when the base model scored without a task.
    public var task: String?
    public var taskVersion: String
    /// Best candidate (first on ties).
    public var label: String
    /// `(candidate, summed log-probability including </s>)`, in candidate order.
    public var scores: [CandidateScore]
    /// SPE attention weights, when requested.
    public var attention: [AttentionEntry]?
    /// Ensemble tasks: how the members were combined and each member's own label.
    public var ensemble: EnsembleOutcome?

    public init(task: String?, taskVersion: String, label: String, scores: [CandidateScore],
                attention: [AttentionEntry]? = nil, ensemble: EnsembleOutcome? = nil) {
        self.task = task
        self.taskVersion = taskVersion
        self.label = label
        self.scores = scores
        self.attention = attention
        self.ensemble = ensemble
    }
}

/// How an ensemble task reached its label. Its `scores` are then each candidate's mean log-probability over the
/// members.
public struct EnsembleOutcome: Hashable, Sendable {
    /// `vote` or `sum-logprobs`.
    public var combine: String
    /// Each member's most likely candidate, in member order.
    public var memberLabels: [String]
    public init(combine: String, memberLabels: [String]) {
        self.combine = combine
        self.memberLabels = memberLabels
    }
}

/// The score of one candidate.
public struct CandidateScore: Hashable, Sendable {
    public var candidate: String
    public var logProb: Double
    public init(candidate: String, logProb: Double) {
        self.candidate = candidate
        self.logProb = logProb
    }
}

/// One token of a tokenized text.
public struct TokenPiece: Hashable, Sendable {
    public var id: Int32
    /// The vocabulary entry (e.g. `▁Hello` for SentencePiece).
    public var piece: String
    public init(id: Int32, piece: String) {
        self.id = id
        self.piece = piece
    }
}

/// Readiness of the engine (`GET /readyz`).
public struct Readiness: Hashable, Sendable {
    public var isReady: Bool
    /// Model name or directory.
    public var model: String
    public var tasks: Int
    /// The linear layers' precision (`fp32`, `bf16`, `int8`).
    public var precision: String
    /// Model threads serving requests (`album serve --workers`).
    public var workers: Int
    public init(isReady: Bool, model: String, tasks: Int, precision: String = "fp32", workers: Int = 1) {
        self.isReady = isReady
        self.model = model
        self.tasks = tasks
        self.precision = precision
        self.workers = workers
    }
}
