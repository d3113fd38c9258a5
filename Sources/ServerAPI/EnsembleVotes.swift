// The `ensemble` object of a classify response for an ensemble task: the combination rule and each member's label.

/// How an ensemble task's members decided.
public struct EnsembleVotes: Codable, Hashable, Sendable {
    /// `vote` or `sum-logprobs`.
    public var combine: String
    /// Each member prompt's own most likely label, in member order (K entries).
    public var memberLabels: [String]

    public init(combine: String, memberLabels: [String]) {
        self.combine = combine
        self.memberLabels = memberLabels
    }

    enum CodingKeys: String, CodingKey {
        case combine
        case memberLabels = "member_labels"
    }
}
