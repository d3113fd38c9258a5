// Pre-tokenizers of HF tokenizers used by SentencePiece conversions: WhitespaceSplit, Metaspace (both the old
// `add_prefix_space` and the new `prepend_scheme`/`split` forms) and Sequence.
// Mirrors `pre_tokenizers/whitespace.rs` (WhitespaceSplit) and `pre_tokenizers/metaspace.rs`.

/// A piece of normalized text on its way to the model.
struct PreToken {
    var scalars: [Unicode.Scalar]
    /// True when the piece starts at offset 0 of the original input (Metaspace `prepend_scheme: first`).
    var atOrigin: Bool
}

/// Where Metaspace puts its replacement character in front of a piece.
enum PrependScheme: Sendable {
    case always, first, never
}

/// One pre-tokenizer step, as declared in `tokenizer.json`'s `"pre_tokenizer"`.
indirect enum PreTokenizer: Sendable {
    case whitespaceSplit
    case metaspace(replacement: Unicode.Scalar, prepend: PrependScheme, split: Bool)
    case sequence([PreTokenizer])

    /// Splits and rewrites `pieces` in place; empty pieces are dropped, as HF's `PreTokenizedString::split` does.
    func apply(_ pieces: inout [PreToken]) {
        switch self {
        case .whitespaceSplit:
            var out: [PreToken] = []
            for p in pieces {
                var start = 0
                let s = p.scalars
                for i in 0...s.count {
                    if i == s.count || isRustWhitespace(s[i]) {
                        if i > start { out.append(PreToken(scalars: Array(s[start..<i]), atOrigin: p.atOrigin && start == 0)) }
                        start = i + 1
                    }
                }
            }
            pieces = out
        case .metaspace(let rep, let prepend, let split):
            var out: [PreToken] = []
            out.reserveCapacity(pieces.count)
            for p in pieces {
                var s = p.scalars
                for i in s.indices where s[i] == " " { s[i] = rep }
                switch prepend {
                case .always: if let f = s.first, f != rep { s.insert(rep, at: 0) }
                case .first: if let f = s.first, f != rep, p.atOrigin { s.insert(rep, at: 0) }
                case .never: break
                }
                guard !s.isEmpty else { continue }
                if !split { out.append(PreToken(scalars: s, atOrigin: p.atOrigin)); continue }
                // MergedWithNext: a new piece starts at every replacement character.
                var start = 0
                for i in 1...s.count where i == s.count || s[i] == rep {
                    out.append(PreToken(scalars: Array(s[start..<i]), atOrigin: p.atOrigin && start == 0))
                    start = i
                }
            }
            pieces = out
        case .sequence(let steps):
            for step in steps { step.apply(&pieces) }
        }
    }
}
