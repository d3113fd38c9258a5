// Bodies of `GET /v1/tasks`, `GET|PUT /v1/tasks/{name}`: what a client needs to call a task.

/// Description of one served task.
public struct TaskInfo: Codable, Hashable, Sendable {
    public var name: String
    /// Changes whenever the task is replaced (hot swap).
    public var version: String
    /// Prompt method: `static`, `peft`, `spe`, ...
    public var method: String
    /// Soft-prompt rows prepended to every input.
    public var promptTokens: Int
    /// Input fields the template expects; `["input"]` for single-text tasks.
    public var fields: [String]
    /// Label verbalizers for classification, if the task has labels.
    public var labels: [String]?
    /// Most input tokens accepted (formatted input with `</s>`).
    public var maxInputTokens: Int
    /// Default `max_new_tokens`.
    public var maxNewTokens: Int
    /// Artifact kind: `static`, `spe`, `ensemble` or `album` (absent from servers that predate it).
    public var kind: String?
    /// Ensemble tasks: how many member prompts each request runs (K).
    public var ensembleMembers: Int?

    public init(name: String, version: String, method: String, promptTokens: Int, fields: [String],
                labels: [String]?, maxInputTokens: Int, maxNewTokens: Int, kind: String? = nil,
                ensembleMembers: Int? = nil) {
        self.name = name
        self.version = version
        self.method = method
        self.promptTokens = promptTokens
        self.fields = fields
        self.labels = labels
        self.maxInputTokens = maxInputTokens
        self.maxNewTokens = maxNewTokens
        self.kind = kind
        self.ensembleMembers = ensembleMembers
    }

    enum CodingKeys: String, CodingKey {
        case name, version, method, fields, labels, kind
        case ensembleMembers = "ensemble_members"
        case promptTokens = "prompt_tokens"
        case maxInputTokens = "max_input_tokens"
        case maxNewTokens = "max_new_tokens"
    }
}

/// Body of `GET /v1/tasks`: the served tasks and the albums their SPE tasks use, each sorted by name.
public struct TaskList: Codable, Hashable, Sendable {
    public var tasks: [TaskInfo]
    public var albums: [AlbumInfo]
    public init(tasks: [TaskInfo], albums: [AlbumInfo] = []) {
        self.tasks = tasks
        self.albums = albums
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tasks = try container.decode([TaskInfo].self, forKey: .tasks)
        albums = try container.decodeIfPresent([AlbumInfo].self, forKey: .albums) ?? []
    }
}

/// Body of `GET /readyz` and `GET /healthz`.
public struct HealthStatus: Codable, Hashable, Sendable {
    /// `ok`, `ready` or `not_ready`.
    public var status: String
    public var model: String?
    public var tasks: Int?
    /// The linear layers' precision (`fp32`, `bf16`, `int8`), on `/readyz`.
    public var precision: String?
    /// Model threads (`/readyz` only).
    public var workers: Int?
    public init(status: String, model: String? = nil, tasks: Int? = nil, precision: String? = nil, workers: Int? = nil) {
        self.status = status
        self.model = model
        self.tasks = tasks
        self.precision = precision
        self.workers = workers
    }
}
