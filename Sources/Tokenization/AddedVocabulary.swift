// Added tokens (`added_tokens` in tokenizer.json: `<pad>`, `</s>`, `<extra_id_N>`...): found in the raw text before
// normalization (or in the normalized text for `normalized: true` tokens), leftmost-longest, with HF's
// `single_word`, `lstrip` and `rstrip` rules. Mirrors HF tokenizers `tokenizer/added_vocabulary.rs`.

/// One added token.
public struct AddedToken: Sendable, Equatable {
    public var id: Int32
    public var content: String
    public var special: Bool
    public var singleWord: Bool = false
    public var lstrip: Bool = false
    public var rstrip: Bool = false
    public var normalized: Bool = false
}

/// A run of text: either an added token (`id` set) or text still to tokenize.
struct Segment {
    var range: Range<Int>
    var id: Int32?
}

/// The added tokens of a tokenizer and the two tries that find them.
struct AddedVocabulary: Sendable {
    let tokens: [AddedToken]
    private let byID: [Int32: Int]            // id -> index in tokens
    private let byContent: [[UInt8]: Int]     // UTF-8 keys: byte-exact
    private let rawTrie: ScalarTrie           // non-normalized tokens, matched on the raw text
    private let normalizedTrie: ScalarTrie    // normalized tokens, matched on normalized text
    private let specialContents: Set<[UInt8]>

    init(tokens: [AddedToken], normalizer: Normalizer?) {
        self.tokens = tokens
        var byID: [Int32: Int] = [:], byContent: [[UInt8]: Int] = [:]
        var raw: [(key: [Unicode.Scalar], value: Int32)] = []
        var norm: [(key: [Unicode.Scalar], value: Int32)] = []
        for (i, t) in tokens.enumerated() {
            byID[t.id] = i
            byContent[Array(t.content.utf8)] = i
            let scalars = Array(t.content.unicodeScalars)
            if t.normalized {
                norm.append((normalizer?.apply(scalars) ?? scalars, Int32(i)))
            } else {
                raw.append((scalars, Int32(i)))
            }
        }
        self.byID = byID
        self.byContent = byContent
        rawTrie = ScalarTrie(keys: raw)
        normalizedTrie = ScalarTrie(keys: norm)
        specialContents = Set(tokens.filter(\.special).map { Array($0.content.utf8) })
    }

    func token(of id: Int32) -> String? { byID[id].map { tokens[$0].content } }
    func id(of content: String) -> Int32? { byContent[Array(content.utf8)].map { tokens[$0].id } }
    func isSpecial(_ content: String) -> Bool { specialContents.contains(Array(content.utf8)) }
    var hasNormalizedTokens: Bool { !normalizedTrie.isEmpty }

    /// Splits `text` around added tokens (raw pass when `normalized` is false, normalized pass otherwise).
    func split(_ text: [Unicode.Scalar], normalized: Bool) -> [Segment] {
        let trie = normalized ? normalizedTrie : rawTrie
        let n = text.count
        if trie.isEmpty || n == 0 { return [Segment(range: 0..<n, id: nil)] }
        var out: [Segment] = []
        var startOffset = 0
        var i = 0
        while i < n {
            // Longest match starting at i.
            var node = ScalarTrie.root
            var j = i
            var best = -1, bestEnd = -1
            while j < n {
                node = trie.child(node, text[j].value)
                if node < 0 { break }
                let v = trie.value(node)
                if v >= 0 { best = Int(v); bestEnd = j + 1 }
                j += 1
            }
            guard best >= 0 else { i += 1; continue }
            let t = tokens[best]
            var start = i, stop = bestEnd
            i = bestEnd   // the matcher moves on even when the match is rejected below
            if t.singleWord {
                let startSpace = start == 0 || !Self.isWordChar(text[start - 1])
                let stopSpace = stop == n || !Self.isWordChar(text[stop])
                if !startSpace || !stopSpace { continue }
            }
            if t.lstrip {
                var s = start
                while s > 0 && isRustWhitespace(text[s - 1]) { s -= 1 }
                start = max(s, startOffset)
            }
            if t.rstrip {
                while stop < n && isRustWhitespace(text[stop]) { stop += 1 }
                i = stop
            }
            if startOffset < start { out.append(Segment(range: startOffset..<start, id: nil)) }
            out.append(Segment(range: start..<stop, id: t.id))
            startOffset = stop
        }
        if startOffset != n { out.append(Segment(range: startOffset..<n, id: nil)) }
        return out
    }

    private static func isWordChar(_ s: Unicode.Scalar) -> Bool {
        s == "_" || s.properties.isAlphabetic || s.properties.numericType != nil
    }
}
