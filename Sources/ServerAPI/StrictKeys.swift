// Request bodies name only the fields the API knows: an unknown one (a typo, or an option another server has and
// Album does not) is refused with 422 instead of being silently ignored, as `task.json` refuses unknown keys.

/// A request body has a field the API does not know.
public struct UnknownFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field, with its path inside the body (e.g. `requests[1].temprature`).
    public var field: String
    public init(field: String) { self.field = field }
    public var description: String { "unknown field '\(field)'" }
}

/// Any key of a JSON object.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Throws `UnknownFieldError` for the first key (by name) of this object that is not in `allowed`.
    func rejectUnknownKeys(_ allowed: Set<String>) throws {
        let keys = try container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        guard let unknown = keys.filter({ !allowed.contains($0) }).sorted().first else { return }
        let path = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .reduce("") { $0.isEmpty || $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
        throw UnknownFieldError(field: path.isEmpty ? unknown : "\(path).\(unknown)")
    }
}

/// `"stop": "x"` or `"stop": ["x", "y"]`, as OpenAI's API takes it.
public struct StopSequences: Codable, Hashable, Sendable {
    public var values: [String]
    public init(_ values: [String]) { self.values = values }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) { values = [one] } else { values = try container.decode([String].self) }
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }
}
