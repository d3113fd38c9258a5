// Body of a successful `POST /v1/classify`.

/// Result of rank classification: the best candidate and every candidate's log-probability.
public struct ClassifyResponse: Codable, Hashable, Sendable {
    /// The task; absent when the base model scored without one.
    public var task: String?
    public var taskVersion: String
    /// The candidate with the highest score (the first one on ties).
    public var label: String
    /// Summed log-probability of each candidate's token sequence, `</s>` included.
    public var scores: [String: Double]
    /// SPE attention weights, when requested.
    public var attention: [AttentionWeight]?
    /// Ensemble tasks only: how the members were combined and what each chose. `scores` then holds each
    /// candidate's mean log-probability over the members.
    public var ensemble: EnsembleVotes?

    public init(task: String?, taskVersion: String, label: String, scores: [String: Double],
                attention: [AttentionWeight]? = nil, ensemble: EnsembleVotes? = nil) {
        self.task = task
        self.taskVersion = taskVersion
        self.label = label
        self.scores = scores
        self.attention = attention
        self.ensemble = ensemble
    }

    enum CodingKeys: String, CodingKey {
        case task, label, scores, attention, ensemble
        case taskVersion = "task_version"
    }
}
