// A reader for the block-style YAML the deployment manifests are written in (maps, lists, `|` blocks, plain and
// quoted scalars, `---` between documents). Anything else (flow collections, anchors, tags) is an error, so the
// manifests stay in a form this test can check field by field.
import Foundation

indirect enum YAMLNode: Equatable, CustomStringConvertible {
    case scalar(String)
    case map([(key: String, value: YAMLNode)])
    case list([YAMLNode])

    static func == (a: YAMLNode, b: YAMLNode) -> Bool { a.description == b.description }

    var description: String {
        switch self {
        case .scalar(let s): s.debugDescription
        case .map(let pairs): "{" + pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    subscript(key: String) -> YAMLNode? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    /// Follows a dotted path of keys; a number indexes a list.
    func at(_ path: String) -> YAMLNode? {
        var node: YAMLNode? = self
        for part in path.split(separator: ".") {
            if let index = Int(part), case .list(let items)? = node { node = index < items.count ? items[index] : nil } else { node = node?[String(part)] }
        }
        return node
    }

    var string: String? { if case .scalar(let s) = self { s } else { nil } }
    var items: [YAMLNode] { if case .list(let items) = self { items } else { [] } }
}

struct SubsetYAML {
    struct Failure: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { "line \(line + 1): \(reason)" }
    }

    private let raw: [String]
    private var i = 0

    /// Every document of `text`.
    static func documents(_ text: String) throws -> [YAMLNode] {
        var documents: [YAMLNode] = []
        var current: [String] = []
        for line in text.components(separatedBy: "\n") + ["---"] {
            if line == "---" {
                var parser = SubsetYAML(raw: current)
                if let node = try parser.parseDocument() { documents.append(node) }
                current = []
            } else {
                current.append(line)
            }
        }
        return documents
    }

    private init(raw: [String]) { self.raw = raw }

    private static func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }
    private static func isStructural(_ line: String) -> Bool {
        let text = line.trimmingCharacters(in: .whitespaces)
        return !text.isEmpty && !text.hasPrefix("#")
    }

    private mutating func skipBlank() { while i < raw.count && !Self.isStructural(raw[i]) { i += 1 } }

    private mutating func parseDocument() throws -> YAMLNode? {
        skipBlank()
        guard i < raw.count else { return nil }
        let node = try parseBlock(indent: Self.indent(raw[i]))
        skipBlank()
        if i < raw.count { throw Failure(line: i, reason: "unexpected indentation") }
        return node
    }

    private mutating func parseBlock(indent: Int) throws -> YAMLNode {
        skipBlank()
        let text = raw[i].trimmingCharacters(in: .whitespaces)
        return text == "-" || text.hasPrefix("- ") ? try parseList(indent: indent, firstOffset: nil) : try parseMap(indent: indent, first: nil)
    }

    /// A map whose keys sit at `indent`; `first` is the text of a first entry that began after a list's "- ".
    private mutating func parseMap(indent: Int, first: String?) throws -> YAMLNode {
        var pairs: [(key: String, value: YAMLNode)] = []
        var pending = first
        while true {
            let text: String
            if let first = pending { text = first; pending = nil } else {
                skipBlank()
                guard i < raw.count, Self.indent(raw[i]) == indent else { break }
                text = raw[i].trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("- ") || text == "-" { break }
            }
            let line = i
            i += 1
            guard let colon = text.range(of: ": ") ?? (text.hasSuffix(":") ? text.range(of: ":", options: .backwards) : nil) else {
                throw Failure(line: line, reason: "expected 'key: value', got \(text)")
            }
            let key = Self.unquote(String(text[..<colon.lowerBound]))
            let value = String(text[colon.upperBound...]).trimmingCharacters(in: .whitespaces)
            if value.isEmpty {
                skipBlank()
                if i < raw.count, Self.indent(raw[i]) > indent {
                    pairs.append((key, try parseBlock(indent: Self.indent(raw[i]))))
                } else if i < raw.count, Self.indent(raw[i]) == indent, raw[i].trimmingCharacters(in: .whitespaces).hasPrefix("- ") {
                    pairs.append((key, try parseList(indent: indent, firstOffset: nil)))
                } else {
                    pairs.append((key, .scalar("")))
                }
            } else if value == "|" || value == "|-" {
                pairs.append((key, literalBlock(deeperThan: indent)))
            } else {
                pairs.append((key, .scalar(try Self.scalar(value, line: line))))
            }
        }
        return .map(pairs)
    }

    /// The lines of a `|` block: every following line indented deeper than `indent` (blank lines included).
    private mutating func literalBlock(deeperThan indent: Int) -> YAMLNode {
        var block: [String] = []
        var blockIndent: Int?
        while i < raw.count, raw[i].trimmingCharacters(in: .whitespaces).isEmpty || Self.indent(raw[i]) > indent {
            if !raw[i].trimmingCharacters(in: .whitespaces).isEmpty { blockIndent = blockIndent ?? Self.indent(raw[i]) }
            block.append(raw[i])
            i += 1
        }
        let cut = blockIndent ?? 0
        return .scalar(block.map { String($0.dropFirst(min(cut, Self.indent($0)))) }.joined(separator: "\n"))
    }

    private mutating func parseList(indent: Int, firstOffset: Int?) throws -> YAMLNode {
        var items: [YAMLNode] = []
        while true {
            skipBlank()
            guard i < raw.count, Self.indent(raw[i]) == indent else { break }
            let text = raw[i].trimmingCharacters(in: .whitespaces)
            guard text == "-" || text.hasPrefix("- ") else { break }
            let content = String(text.dropFirst(1)).trimmingCharacters(in: .whitespaces)
            if content.isEmpty {
                i += 1
                skipBlank()
                items.append(try parseBlock(indent: Self.indent(raw[i])))
            } else if content == "|" || content == "|-" {
                i += 1
                items.append(literalBlock(deeperThan: indent))
            } else if content.contains(": ") || content.hasSuffix(":") {
                items.append(try parseMap(indent: indent + 2, first: content))
            } else {
                items.append(.scalar(try Self.scalar(content, line: i)))
                i += 1
            }
        }
        return .list(items)
    }

    private static func scalar(_ value: String, line: Int) throws -> String {
        if let first = value.first, "{[&*!>".contains(first) {
            throw Failure(line: line, reason: "flow collections, anchors, tags and folded blocks are not used here: \(value)")
        }
        if value.hasPrefix("\"") || value.hasPrefix("'") { return unquote(value) }
        if let comment = value.range(of: " #") { return String(value[..<comment.lowerBound]).trimmingCharacters(in: .whitespaces) }
        return value
    }

    private static func unquote(_ value: String) -> String {
        guard value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" else { return value }
        return String(value.dropFirst().dropLast())
    }
}
