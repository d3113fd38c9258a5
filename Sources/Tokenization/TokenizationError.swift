// Errors of the Tokenization module: every case says which file, field or input was at fault.
// Inputs from outside (files, bytes) throw these; broken internal invariants use precondition instead.

/// Everything that can go wrong while loading a tokenizer or accepting raw input.
public enum TokenizationError: Error, CustomStringConvertible, Equatable {
    /// The directory holds neither `tokenizer.json` nor `spiece.model`.
    case noTokenizerFiles(directory: String)
    /// A file could not be read.
    case unreadableFile(path: String, reason: String)
    /// A JSON file is not valid JSON or a field has the wrong shape.
    case malformedJSON(path: String, reason: String)
    /// A `spiece.model` protobuf could not be decoded.
    case malformedSentencePiece(path: String, reason: String)
    /// The vocabulary is inconsistent (duplicate piece, missing unk, bad id...).
    case malformedVocab(reason: String)
    /// The model type (e.g. WordPiece) is not supported.
    case unsupportedModel(type: String)
    /// A normalizer type that Album does not implement.
    case unsupportedNormalizer(type: String)
    /// A pre-tokenizer type that Album does not implement.
    case unsupportedPreTokenizer(type: String)
    /// A decoder type that Album does not implement.
    case unsupportedDecoder(type: String)
    /// A post-processor type that Album does not implement.
    case unsupportedPostProcessor(type: String)
    /// A regular expression in a `Replace`/`Split` component could not be compiled.
    case badRegex(pattern: String, reason: String)
    /// The precompiled charsmap blob is truncated or inconsistent.
    case malformedCharsmap(reason: String)
    /// Input bytes are not valid UTF-8; `offset` is the first bad byte.
    case invalidUTF8(offset: Int)

    public var description: String {
        switch self {
        case .noTokenizerFiles(let d): return "no tokenizer.json or spiece.model in \(d)"
        case .unreadableFile(let p, let r): return "cannot read \(p): \(r)"
        case .malformedJSON(let p, let r): return "malformed JSON in \(p): \(r)"
        case .malformedSentencePiece(let p, let r): return "malformed SentencePiece model \(p): \(r)"
        case .malformedVocab(let r): return "malformed vocabulary: \(r)"
        case .unsupportedModel(let t): return "unsupported tokenizer model type '\(t)' (supported: Unigram, BPE)"
        case .unsupportedNormalizer(let t):
            return "unsupported normalizer type '\(t)' (supported: Precompiled, Replace, Sequence, Strip, NFKC, Lowercase)"
        case .unsupportedPreTokenizer(let t):
            return "unsupported pre-tokenizer type '\(t)' (supported: WhitespaceSplit, Metaspace, Sequence)"
        case .unsupportedDecoder(let t):
            return "unsupported decoder type '\(t)' (supported: Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence)"
        case .unsupportedPostProcessor(let t):
            return "unsupported post-processor type '\(t)' (supported: TemplateProcessing)"
        case .badRegex(let p, let r): return "cannot compile regex '\(p)': \(r)"
        case .malformedCharsmap(let r): return "malformed precompiled charsmap: \(r)"
        case .invalidUTF8(let o): return "input is not valid UTF-8 (first invalid byte at offset \(o))"
        }
    }
}
