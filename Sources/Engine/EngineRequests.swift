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
    public var task: String
    public var input: TaskInput
    /// `nil`: the task's default.
    public var maxNewTokens: Int?
    /// `nil` or 1: greedy decoding.
    public var numBeams: Int?
    public var returnAttention: Bool
    /// `nil`: the engine's default request timeout.
    public var timeout: Duration?
    /// Time the request spent before reaching the engine (reading and decoding it); the deadline is that much nearer.
    public var elapsed: Duration = .zero

    public init(task: String, input: TaskInput, maxNewTokens: Int? = nil, numBeams: Int? = nil,
                returnAttention: Bool = false, timeout: Duration? = nil) {
        self.task = task
        self.input = input
        self.maxNewTokens = maxNewTokens
        self.numBeams = numBeams
        self.returnAttention = returnAttention
        self.timeout = timeout
    }
}

/// Why generation stopped: the model's own `T5.FinishReason`, under the engine's name for its clients.
public typealias FinishReason = T5.FinishReason

/// Result of a generation request.
public struct GenerateResult: Hashable, Sendable {
    public var task: String
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

    public init(task: String, taskVersion: String, text: String, ids: [Int32], finishReason: FinishReason,
                inputTokens: Int, promptTokens: Int, attention: [AttentionEntry]? = nil) {
        self.task = task
        self.taskVersion = taskVersion
        self.text = text
        self.ids = ids
        self.finishReason = finishReason
        self.inputTokens = inputTokens
        self.promptTokens = promptTokens
        self.attention = attention
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
    public var task: String
    public var input: TaskInput
    /// `nil`: the task's labels.
    public var candidates: [String]?
    public var timeout: Duration?
    /// Time the request spent before reaching the engine (reading and decoding it); the deadline is that much nearer.
    public var elapsed: Duration = .zero

    public init(task: String, input: TaskInput, candidates: [String]? = nil, timeout: Duration? = nil) {
        self.task = task
        self.input = input
        self.candidates = candidates
        self.timeout = timeout
    }
}

/// Result of rank classification.
public struct ClassifyResult: Hashable, Sendable {
    public var task: String
    public var taskVersion: String
    /// Best candidate (first on ties).
    public var label: String
    /// `(candidate, summed log-probability including </s>)`, in candidate order.
    public var scores: [CandidateScore]

    public init(task: String, taskVersion: String, label: String, scores: [CandidateScore]) {
        self.task = task
        self.taskVersion = taskVersion
        self.label = label
        self.scores = scores
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

/// Readiness of the engine (`GET /readyz`).
public struct Readiness: Hashable, Sendable {
    public var isReady: Bool
    /// Model name or directory.
    public var model: String
    public var tasks: Int
    public init(isReady: Bool, model: String, tasks: Int) {
        self.isReady = isReady
        self.model = model
        self.tasks = tasks
    }
}
