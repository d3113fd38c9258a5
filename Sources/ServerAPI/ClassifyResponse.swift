// Body of a successful `POST /v1/classify`.

/// Result of rank classification: the best candidate and every candidate's log-probability.
public struct ClassifyResponse: Codable, Hashable, Sendable {
    public var task: String
    public var taskVersion: String
    /// The candidate with the highest score (the first one on ties).
    public var label: String
    /// Summed log-probability of each candidate's token sequence, `</s>` included.
    public var scores: [String: Double]

    public init(task: String, taskVersion: String, label: String, scores: [String: Double]) {
        self.task = task
        self.taskVersion = taskVersion
        self.label = label
        self.scores = scores
    }

    enum CodingKeys: String, CodingKey {
        case task, label, scores
        case taskVersion = "task_version"
    }
}
