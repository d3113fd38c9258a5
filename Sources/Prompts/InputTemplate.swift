// An input template such as `premise: {premise} hypothesis: {hypothesis}`: literal text with named `{field}`
// placeholders; `{{` and `}}` stand for literal braces. The filled text is what gets tokenized, so a prompt sees
// exactly the text format it was trained on (spec §2.1).

/// A parsed input template.
public struct InputTemplate: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case field(String)
    }

    public let source: String
    let pieces: [Piece]

    /// Field names in order of first appearance.
    public var fields: [String] {
        var seen: [String] = []
        for case .field(let name) in pieces where !seen.contains(name) { seen.append(name) }
        return seen
    }

    /// The default template: the whole request text.
    public static let plain = try! InputTemplate("{input}", path: "<default>")

    /// Parses `source`.
    /// - Throws: `PromptsError.badManifest` for an unclosed or empty placeholder or a stray `}`.
    public init(_ source: String, path: String) throws(PromptsError) {
        self.source = source
        var pieces: [Piece] = []
        var literal = ""
        var index = source.startIndex
        func fail(_ reason: String) -> PromptsError { .badManifest(path: path, reason: "template \(source.debugDescription): \(reason)") }
        while index < source.endIndex {
            let character = source[index]
            let next = source.index(after: index)
            if character == "{" {
                if next < source.endIndex && source[next] == "{" {
                    literal.append("{")
                    index = source.index(after: next)
                    continue
                }
                guard let close = source[next...].firstIndex(of: "}") else { throw fail("unclosed '{'") }
                let name = String(source[next..<close])
                guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                    throw fail("field name \(name.debugDescription) must be letters, digits or '_'")
                }
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                pieces.append(.field(name))
                index = source.index(after: close)
            } else if character == "}" {
                guard next < source.endIndex && source[next] == "}" else { throw fail("stray '}' (write '}}' for a literal brace)") }
                literal.append("}")
                index = source.index(after: next)
            } else {
                literal.append(character)
                index = next
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        guard pieces.contains(where: { if case .field = $0 { true } else { false } }) else {
            throw fail("has no {field}")
        }
        self.pieces = pieces
    }

    /// Fills the template. A request gives either `text` (allowed when the template's only field is `input`) or
    /// `fields` naming every field exactly.
    /// - Throws: `PromptsError.badInput` naming missing or unknown fields.
    public func fill(text: String?, fields given: [String: String]?, task: String) throws(PromptsError) -> String {
        var values: [String: String]
        switch (text, given) {
        case (let text?, nil):
            guard fields == ["input"] else {
                throw .badInput(task: task, reason: "this task takes fields \(fields), not plain text (template \(source.debugDescription))")
            }
            values = ["input": text]
        case (nil, let given?):
            values = given
        case (_?, _?):
            throw .badInput(task: task, reason: "give either text or fields, not both")
        case (nil, nil):
            throw .badInput(task: task, reason: "no input: give text or fields \(fields)")
        }
        let missing = fields.filter { values[$0] == nil }
        if !missing.isEmpty { throw .badInput(task: task, reason: "missing fields \(missing) (template \(source.debugDescription))") }
        let unknown = values.keys.filter { !fields.contains($0) }.sorted()
        if !unknown.isEmpty { throw .badInput(task: task, reason: "unknown fields \(unknown); the template uses \(fields)") }
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): out += text
            case .field(let name): out += values[name]!
            }
        }
        return out
    }
}
