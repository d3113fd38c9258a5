// Bodies of `POST /v1/tokenize` and `POST /v1/detokenize`: the model's tokenizer on its own, to count tokens or
// read ids. Unknown fields are refused.

/// `{"text": "..."}`.
public struct TokenizeRequest: Codable, Hashable, Sendable {
    public var text: String
    public init(text: String) { self.text = text }
    enum CodingKeys: String, CodingKey { case text }
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["text"])
        text = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .text)
    }
}

/// The ids of the text as the model sees it (`</s>` appended), their vocabulary entries and their count.
public struct TokenizeResponse: Codable, Hashable, Sendable {
    public var ids: [Int32]
    /// Vocabulary entries, e.g. `▁Hello`.
    public var tokens: [String]
    public var count: Int
    public init(ids: [Int32], tokens: [String]) {
        self.ids = ids
        self.tokens = tokens
        self.count = ids.count
    }
}

/// `{"ids": [...]}`.
public struct DetokenizeRequest: Codable, Hashable, Sendable {
    public var ids: [Int32]
    public init(ids: [Int32]) { self.ids = ids }
    enum CodingKeys: String, CodingKey { case ids }
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["ids"])
        ids = try decoder.container(keyedBy: CodingKeys.self).decode([Int32].self, forKey: .ids)
    }
}

/// The text of the ids, special tokens removed.
public struct DetokenizeResponse: Codable, Hashable, Sendable {
    public var text: String
    public init(text: String) { self.text = text }
}
