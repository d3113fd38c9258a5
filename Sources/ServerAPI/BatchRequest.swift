// Body of `POST /v1/batch`: independent generate and classify items, each naming its own task.

/// One item of a batch: a generate or classify request, told apart by `"type"` (default `"generate"`).
public enum BatchItem: Codable, Hashable, Sendable {
    case generate(GenerateRequest)
    case classify(ClassifyRequest)

    enum CodingKeys: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decodeIfPresent(String.self, forKey: .type) ?? "generate"
        switch type {
        case "generate": self = .generate(try GenerateRequest(from: decoder))
        case "classify": self = .classify(try ClassifyRequest(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                debugDescription: "type must be \"generate\" or \"classify\", got \"\(type)\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .generate(let request):
            try container.encode("generate", forKey: .type)
            try request.encode(to: encoder)
        case .classify(let request):
            try container.encode("classify", forKey: .type)
            try request.encode(to: encoder)
        }
    }

    /// The task the item names.
    public var task: String {
        switch self {
        case .generate(let r): r.task
        case .classify(let r): r.task
        }
    }
}

/// A batch of independent requests.
public struct BatchRequest: Codable, Hashable, Sendable {
    public var requests: [BatchItem]
    public init(requests: [BatchItem]) { self.requests = requests }
}
