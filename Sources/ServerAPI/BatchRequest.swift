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

    /// `"type"`, when present, must be `expected` (a generate body may say `"type": "generate"`, and so on).
    static func expectType(_ expected: String, _ decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let type = try container.decodeIfPresent(String.self, forKey: .type), type != expected {
            throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                debugDescription: "type must be \"\(expected)\" here, got \"\(type)\"")
        }
    }

    /// The task the item names (nil: the base model).
    public var task: String? {
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

    enum CodingKeys: String, CodingKey { case requests }
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["requests"])
        requests = try decoder.container(keyedBy: CodingKeys.self).decode([BatchItem].self, forKey: .requests)
    }
}
